//! Path globs for the knowledge graph, written here rather than taken from a
//! crate: the graph needs a small, fully specified dialect (the one the
//! README documents) and exact control over its error messages, and the
//! matcher is ~200 lines.
//!
//! Dialect, on `/`-separated paths relative to the graph's root:
//! - `*` any run of characters within one segment, `?` one character
//!   (neither crosses `/`); `[abc]`, `[a-z]`, `[!a-z]` / `[^a-z]` one
//!   character of (or not of) a class; `\x` the character `x`;
//! - `**` as a whole segment: zero or more segments (`a/**/b`, `src/**`);
//! - `{a,b,c}` alternatives (may nest, may be empty: `*.{ts,tsx}`);
//! - a pattern without a `/` matches the file name at any depth
//!   (`voice-commands.test.ts` matches `tests/e2e/voice-commands.test.ts`),
//!   as in `.gitignore`; a leading `/` anchors it to the root instead;
//! - a trailing `/` names a directory: everything below it matches;
//! - a leading `./` is ignored; matching is case-sensitive.

use std::fmt;

/// At most this many alternatives after expanding `{...}`: a bound on the
/// work one pattern can cause.
const MAX_ALTERNATIVES: usize = 256;

/// At most this many `{...}` groups in one pattern, nested or one after
/// another: each is one level of the expansion's recursion, so a pattern of
/// thousands would overflow the stack (20,000 nested groups did).
const MAX_BRACE_GROUPS: usize = 32;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// `**`: zero or more whole segments.
    AnyDepth,
    Tokens(Vec<Token>),
}

/// One alternative of a pattern, as segments.
#[derive(Debug, Clone)]
struct Alternative {
    segments: Vec<Segment>,
}

/// A compiled glob.
#[derive(Debug, Clone)]
pub struct Glob {
    text: String,
    alternatives: Vec<Alternative>,
}

/// Why a pattern could not be compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobError(pub String);

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, GlobError> {
        if pattern.trim().is_empty() {
            return Err(GlobError("an empty pattern matches nothing".into()));
        }
        let alternatives = expand_braces(pattern)?
            .iter()
            .map(|alt| compile_alternative(alt))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Glob {
            text: pattern.to_string(),
            alternatives,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` (relative, `/`-separated; see `normalise_path`)
    /// matches. An absolute path never does.
    pub fn matches(&self, path: &str) -> bool {
        if path.starts_with('/') {
            return false;
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.alternatives
            .iter()
            .any(|a| match_segments(&a.segments, &segments))
    }
}

/// A changed or test path in the form globs are matched against: `\` as
/// written (a legal file-name character on POSIX; the JS layer converts
/// Windows separators), leading `./` removed, repeated `/` collapsed.
/// An absolute path keeps its leading `/` (and so matches no pattern).
pub fn normalise_path(path: &str) -> String {
    let mut rest = path;
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    let joined = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/");
    if rest.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Expand `{a,b}` groups (nested ones too) into plain alternatives.
fn expand_braces(pattern: &str) -> Result<Vec<String>, GlobError> {
    expand_groups(pattern, 0)
}

/// `expand_braces` with `expanded` groups already taken off the pattern.
fn expand_groups(pattern: &str, expanded: usize) -> Result<Vec<String>, GlobError> {
    let chars: Vec<char> = pattern.chars().collect();
    // Find the first top-level `{` and its matching `}`, skipping escapes
    // and character classes (where braces are literal).
    let mut i = 0;
    let mut open = None;
    let mut depth = 0usize;
    let mut commas = Vec::new();
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => {
                if let Some(end) = class_end(&chars, i) {
                    i = end;
                }
            }
            '{' => {
                if depth == 0 {
                    open = Some(i);
                    commas.clear();
                }
                depth += 1;
            }
            ',' if depth == 1 => commas.push(i),
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    if expanded == MAX_BRACE_GROUPS {
                        return Err(GlobError(format!(
                            "more than {MAX_BRACE_GROUPS} '{{...}}' groups"
                        )));
                    }
                    let start = open.expect("an open brace precedes its close");
                    let prefix: String = chars[..start].iter().collect();
                    let suffix: String = chars[i + 1..].iter().collect();
                    let mut bounds = vec![start];
                    bounds.extend(&commas);
                    bounds.push(i);
                    let mut out = Vec::new();
                    for w in bounds.windows(2) {
                        let middle: String = chars[w[0] + 1..w[1]].iter().collect();
                        let rest = format!("{prefix}{middle}{suffix}");
                        for alternative in expand_groups(&rest, expanded + 1)? {
                            out.push(alternative);
                            if out.len() > MAX_ALTERNATIVES {
                                return Err(GlobError(format!(
                                    "more than {MAX_ALTERNATIVES} alternatives after expanding braces"
                                )));
                            }
                        }
                    }
                    return Ok(out);
                }
            }
            '}' => return Err(GlobError(format!("unmatched '}}' at character {}", i + 1))),
            _ => {}
        }
        i += 1;
    }
    if depth > 0 {
        return Err(GlobError(format!(
            "unclosed '{{' at character {}",
            open.map_or(0, |o| o + 1)
        )));
    }
    Ok(vec![pattern.to_string()])
}

/// Index of the `]` closing the class that opens at `start`, if any.
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if matches!(chars.get(i), Some('!') | Some('^')) {
        i += 1;
    }
    // A `]` right after the opening (or its negation) is a literal member.
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            ']' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn compile_alternative(text: &str) -> Result<Alternative, GlobError> {
    let mut body = text;
    while let Some(stripped) = body.strip_prefix("./") {
        body = stripped;
    }
    let anchored = body.starts_with('/');
    let body = body.trim_start_matches('/');
    let directory = body.ends_with('/');
    let body = body.trim_end_matches('/');
    if body.is_empty() {
        return Err(GlobError("the pattern names no file".into()));
    }
    let mut segments: Vec<Segment> = body
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(compile_segment)
        .collect::<Result<_, _>>()?;
    if segments
        .iter()
        .any(|s| *s == Segment::Tokens(vec![Token::Char('.'), Token::Char('.')]))
    {
        return Err(GlobError(
            "'..' cannot appear in a pattern (paths are relative to the graph's root)".into(),
        ));
    }
    if !anchored && segments.len() == 1 {
        segments.insert(0, Segment::AnyDepth);
    }
    if directory {
        // Something below the directory: one segment, then any depth.
        segments.push(Segment::Tokens(vec![Token::Star]));
        segments.push(Segment::AnyDepth);
    }
    Ok(Alternative { segments })
}

fn compile_segment(text: &str) -> Result<Segment, GlobError> {
    if text == "**" {
        return Ok(Segment::AnyDepth);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let escaped = chars
                    .get(i + 1)
                    .ok_or_else(|| GlobError("a trailing '\\' escapes nothing".into()))?;
                tokens.push(Token::Char(*escaped));
                i += 1;
            }
            '?' => tokens.push(Token::One),
            '*' => {
                // `a**b` within a segment means the same as `a*b`.
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
            }
            '[' => {
                let end = class_end(&chars, i)
                    .ok_or_else(|| GlobError(format!("unclosed '[' in segment '{text}'")))?;
                tokens.push(compile_class(&chars[i + 1..end])?);
                i = end;
            }
            c => tokens.push(Token::Char(c)),
        }
        i += 1;
    }
    Ok(Segment::Tokens(tokens))
}

fn compile_class(inner: &[char]) -> Result<Token, GlobError> {
    let (negated, inner) = match inner.first() {
        Some('!') | Some('^') => (true, &inner[1..]),
        _ => (false, inner),
    };
    let mut members = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        let c = if inner[i] == '\\' {
            i += 1;
            *inner
                .get(i)
                .ok_or_else(|| GlobError("a trailing '\\' escapes nothing".into()))?
        } else {
            inner[i]
        };
        members.push(c);
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut j = 0;
    while j < members.len() {
        if j + 2 < members.len() && members[j + 1] == '-' {
            let (lo, hi) = (members[j], members[j + 2]);
            if lo > hi {
                return Err(GlobError(format!("the range '{lo}-{hi}' is reversed")));
            }
            ranges.push((lo, hi));
            j += 3;
        } else {
            ranges.push((members[j], members[j]));
            j += 1;
        }
    }
    if ranges.is_empty() {
        return Err(GlobError("an empty character class matches nothing".into()));
    }
    Ok(Token::Class { negated, ranges })
}

/// Segments against path segments. `**` is handled by a table over
/// (pattern position, path position), so nested `**` stay linear-ish.
fn match_segments(pattern: &[Segment], path: &[&str]) -> bool {
    // reachable[j]: pattern prefix consumed so far can end at path position j.
    let mut reachable = vec![false; path.len() + 1];
    reachable[0] = true;
    for segment in pattern {
        let mut next = vec![false; path.len() + 1];
        match segment {
            Segment::AnyDepth => {
                let mut any = false;
                for j in 0..=path.len() {
                    any |= reachable[j];
                    next[j] = any;
                }
            }
            Segment::Tokens(tokens) => {
                for j in 0..path.len() {
                    if reachable[j] && match_tokens(tokens, path[j]) {
                        next[j + 1] = true;
                    }
                }
            }
        }
        reachable = next;
        if !reachable.iter().any(|&r| r) {
            return false;
        }
    }
    reachable[path.len()]
}

/// One segment's tokens against one path segment: the classic wildcard walk
/// with a single backtrack point (the last `*`), linear in practice.
fn match_tokens(tokens: &[Token], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    let (mut t, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while s < text.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                star = Some((t, s));
                t += 1;
                continue;
            }
            Some(token) if token_matches(token, text[s]) => {
                t += 1;
                s += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((st, ss)) => {
                t = st + 1;
                s = ss + 1;
                star = Some((st, ss + 1));
            }
            None => return false,
        }
    }
    tokens[t..].iter().all(|token| *token == Token::Star)
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Char(x) => *x == c,
        Token::One => true,
        Token::Star => true,
        Token::Class { negated, ranges } => {
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap().matches(&normalise_path(path))
    }

    #[test]
    fn literal_paths_match_only_themselves() {
        assert!(m(
            "src/audio/ai/StemSeparator.ts",
            "src/audio/ai/StemSeparator.ts"
        ));
        assert!(m(
            "src/audio/ai/StemSeparator.ts",
            "./src/audio/ai/StemSeparator.ts"
        ));
        assert!(!m(
            "src/audio/ai/StemSeparator.ts",
            "src/audio/ai/StemSeparator.tsx"
        ));
        assert!(!m(
            "src/audio/ai/StemSeparator.ts",
            "lib/src/audio/ai/StemSeparator.ts"
        ));
        assert!(!m("src/audio/ai/StemSeparator.ts", "src/audio/ai"));
        assert!(!m("**/StemSeparator.ts", "/src/audio/ai/StemSeparator.ts"));
    }

    #[test]
    fn a_pattern_without_a_slash_matches_the_file_name_at_any_depth() {
        assert!(m("voice-commands.test.ts", "voice-commands.test.ts"));
        assert!(m(
            "voice-commands.test.ts",
            "tests/e2e/voice-commands.test.ts"
        ));
        assert!(!m(
            "voice-commands.test.ts",
            "tests/e2e/voice-commands.test.tsx"
        ));
        assert!(m("*.spec.js", "a/b/c.spec.js"));
        assert!(!m(
            "/voice-commands.test.ts",
            "tests/voice-commands.test.ts"
        ));
        assert!(m("/voice-commands.test.ts", "voice-commands.test.ts"));
    }

    #[test]
    fn stars_stay_within_a_segment_and_double_stars_cross_them() {
        assert!(m("src/*.ts", "src/a.ts"));
        assert!(!m("src/*.ts", "src/ui/a.ts"));
        assert!(m("src/**/*.ts", "src/a.ts"));
        assert!(m("src/**/*.ts", "src/ui/deep/a.ts"));
        assert!(m("src/**", "src/ui/deep/a.ts"));
        assert!(!m("src/**", "lib/a.ts"));
        assert!(m("**/services/*.ts", "src/backend/services/x.ts"));
        assert!(m("src/**/services/**/*.ts", "src/services/x.ts"));
        assert!(m(
            "src/ui/Freestyle*.tsx",
            "src/ui/FreestyleSessionEnhanced.tsx"
        ));
        assert!(m("src/a**b.ts", "src/axxb.ts"));
        assert!(!m("src/a**b.ts", "src/a/b.ts"));
        assert!(m("src/?.ts", "src/x.ts"));
        assert!(!m("src/?.ts", "src/xy.ts"));
        assert!(m("src/*a*b*c", "src/xxaxxbxxc"));
        assert!(!m("src/*a*b*c", "src/xxaxxbxx"));
    }

    #[test]
    fn classes_braces_escapes_and_directories() {
        assert!(m("src/[a-c]x.ts", "src/bx.ts"));
        assert!(!m("src/[a-c]x.ts", "src/dx.ts"));
        assert!(m("src/[!a-c]x.ts", "src/dx.ts"));
        assert!(!m("src/[^a-c]x.ts", "src/ax.ts"));
        assert!(m("src/[]]x", "src/]x"));
        assert!(m("src/*.{ts,tsx}", "src/a.tsx"));
        assert!(m("src/*.{ts,tsx}", "src/a.ts"));
        assert!(!m("src/*.{ts,tsx}", "src/a.js"));
        assert!(m("src/{ui/{a,b},lib}/x.ts", "src/ui/b/x.ts"));
        assert!(m("src/{ui/{a,b},lib}/x.ts", "src/lib/x.ts"));
        assert!(m("src/x{,.test}.ts", "src/x.test.ts"));
        assert!(m("src/x{,.test}.ts", "src/x.ts"));
        assert!(m("src/\\*.ts", "src/*.ts"));
        assert!(!m("src/\\*.ts", "src/a.ts"));
        assert!(m("src/audio/", "src/audio/ai/StemSeparator.ts"));
        assert!(!m("src/audio/", "src/audio"));
        assert!(m("src/{a,b}[{]", "src/a{"));
    }

    #[test]
    fn bad_patterns_are_rejected_with_a_reason() {
        let err = |p: &str| Glob::new(p).unwrap_err().0;
        assert_eq!(err(""), "an empty pattern matches nothing");
        assert_eq!(err("src/{a,b"), "unclosed '{' at character 5");
        assert_eq!(err("src/a}"), "unmatched '}' at character 6");
        assert_eq!(err("src/[ab"), "unclosed '[' in segment '[ab'");
        assert_eq!(err("src/a\\"), "a trailing '\\' escapes nothing");
        assert_eq!(err("src/[z-a]"), "the range 'z-a' is reversed");
        assert_eq!(
            err("../src/x.ts"),
            "'..' cannot appear in a pattern (paths are relative to the graph's root)"
        );
        assert_eq!(err("/"), "the pattern names no file");
        let many = "{a,b,c,d}".repeat(5);
        assert_eq!(
            err(&many),
            "more than 256 alternatives after expanding braces"
        );
        // Nested or in a row, thousands of groups once overflowed the stack.
        let nested = format!("{}a{}", "{".repeat(20_000), "}".repeat(20_000));
        assert_eq!(err(&nested), "more than 32 '{...}' groups");
        assert_eq!(err(&"{a}".repeat(20_000)), "more than 32 '{...}' groups");
        assert!(Glob::new(&format!("{}a{}", "{".repeat(32), "}".repeat(32))).is_ok());
    }

    #[test]
    fn normalised_paths_drop_dot_segments_and_repeated_slashes() {
        assert_eq!(normalise_path("././src//a/./b.ts"), "src/a/b.ts");
        assert_eq!(normalise_path("src/a/"), "src/a");
        assert_eq!(normalise_path("//abs/./x"), "/abs/x");
    }

    #[test]
    fn many_double_stars_do_not_explode() {
        let deep = vec!["d"; 200].join("/") + "/x.ts";
        assert!(m("**/**/**/**/**/**/**/**/*.ts", &deep));
        assert!(!m("**/**/**/**/**/**/**/**/*.js", &deep));
        let long = "a".repeat(5000);
        assert!(!m(&format!("*{}", "a*".repeat(50) + "b"), &long));
    }
}
