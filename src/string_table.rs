//! Every string a prediction can contain (workflow types, risk levels,
//! feature and field names, recommendation texts, directions), numbered once
//! from the schema. The native side writes a string as its slot number; the
//! JavaScript builder looks the slot up in the same table, which it fetches
//! once (`getStringTable`). Pure Rust data: no JavaScript here.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::predict::{self, Direction, RiskLevel};
use crate::schema::all_workflows;

/// A multiply-rotate hash, a word at a time: the keys are short static
/// strings (looked up when the address table misses), where
/// SipHash's resistance to chosen keys buys nothing and a byte-at-a-time
/// hash costs a multiply per byte.
#[derive(Default)]
struct WordHash(u64);

const WORD_HASH_K: u64 = 0x9e37_79b9_7f4a_7c15;

impl WordHash {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(WORD_HASH_K).rotate_left(29);
    }
}

impl std::hash::Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.mix(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }
}

type WordMap<K> = HashMap<K, u32, std::hash::BuildHasherDefault<WordHash>>;

pub struct StringTable {
    /// Distinct strings; a string's position is its slot.
    pub texts: Vec<&'static str>,
    slots: WordMap<&'static str>,
    /// The same slots keyed by where each added string lives, in a
    /// direct-mapped table (`ADDRESS_SLOTS` entries of address, length and
    /// slot; address 0 is empty). A prediction's strings are the schema's
    /// own statics, so a lookup is one multiply and one compare; a string
    /// at another address, or one that lost its entry to another string,
    /// falls back to the text.
    by_address: Vec<(usize, usize, u32)>,
}

/// Entries of the address table: a power of two, several times the number
/// of strings (about 600), so that few of them share an entry.
const ADDRESS_SLOTS: usize = 4096;

fn address_entry(text: &str) -> usize {
    let key = (text.as_ptr() as u64) ^ (text.len() as u64).rotate_left(48);
    (key.wrapping_mul(WORD_HASH_K) >> (64 - ADDRESS_SLOTS.trailing_zeros())) as usize
}

impl StringTable {
    /// The slot of `text`, if the table has it.
    pub fn slot(&self, text: &str) -> Option<u32> {
        let (address, len, slot) = self.by_address[address_entry(text)];
        if address == text.as_ptr() as usize && len == text.len() {
            return Some(slot);
        }
        self.slots.get(text).copied()
    }

    fn add(&mut self, text: &'static str) {
        let slot = match self.slots.get(text) {
            Some(&slot) => slot,
            None => {
                let slot = self.texts.len() as u32;
                self.slots.insert(text, slot);
                self.texts.push(text);
                slot
            }
        };
        let entry = &mut self.by_address[address_entry(text)];
        if entry.0 == 0 {
            *entry = (text.as_ptr() as usize, text.len(), slot);
        }
    }
}

/// The table, built on first use from the schema and the core's fixed texts.
pub fn strings() -> &'static StringTable {
    static TABLE: OnceLock<StringTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = StringTable {
            texts: Vec::new(),
            slots: Default::default(),
            by_address: vec![(0, 0, 0); ADDRESS_SLOTS],
        };
        for level in [
            RiskLevel::Low,
            RiskLevel::Medium,
            RiskLevel::High,
            RiskLevel::Critical,
        ] {
            t.add(level.as_str());
        }
        for d in [Direction::Raises, Direction::Lowers] {
            t.add(d.as_str());
        }
        for w in all_workflows() {
            t.add(w.workflow_type());
            for f in &w.fields {
                t.add(f.name);
            }
            for e in &w.vector {
                t.add(e.feature);
            }
            for r in &w.rules {
                for text in r.texts {
                    t.add(text);
                }
            }
            // The general advice, taken from the core rather than restated here.
            for p in [0.9, 0.7] {
                for text in predict::recommendations(w, &[], p) {
                    t.add(text);
                }
            }
        }
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_string_has_one_slot() {
        let t = strings();
        assert_eq!(t.slots.len(), t.texts.len());
        for w in all_workflows() {
            assert!(t.slot(w.workflow_type()).is_some());
            for f in &w.fields {
                assert_eq!(t.texts[t.slot(f.name).unwrap() as usize], f.name);
            }
            for e in &w.vector {
                assert!(t.slot(e.feature).is_some());
            }
        }
        assert!(t.slot("raises").is_some() && t.slot("critical").is_some());
        assert_eq!(t.slot("not a schema string"), None);
        // A copy of a schema string (another address) finds the same slot.
        let copy = String::from("freestyle");
        assert_eq!(t.slot(&copy), t.slot("freestyle"));
        // Most strings have an address entry of their own (the fast path).
        let direct = t.by_address.iter().filter(|e| e.0 != 0).count();
        assert!(
            direct * 10 >= t.texts.len() * 9,
            "{direct} of {} strings",
            t.texts.len()
        );
    }
}
