//! The 8 workflows as data, and the resolved form the engine works with.
//!
//! `WORKFLOW_SCHEMAS` is the single declaration. `Workflow` is derived from it
//! once (field indices resolved, base and workflow parts joined) so that the
//! hot paths never look names up.

pub mod base;
pub mod failure_modes;
pub mod types;
pub mod workflows;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use types::*;

/// Every workflow, in the order the old engine lists them.
pub const WORKFLOW_SCHEMAS: [&WorkflowSchema; 8] = [
    &workflows::freestyle::SCHEMA,
    &workflows::melody_to_vocals::SCHEMA,
    &workflows::stem_separation::SCHEMA,
    &workflows::ai_mastering::SCHEMA,
    &workflows::live_vocal_analysis::SCHEMA,
    &workflows::ai_memory::SCHEMA,
    &workflows::voice_commands::SCHEMA,
    &workflows::budget_alerts::SCHEMA,
];

/// A vector entry with its source field resolved to an index into `Workflow::fields`.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedEntry {
    pub feature: &'static str,
    pub field_index: usize,
    pub normalisation: Normalisation,
    pub critical: bool,
}

/// A recommendation rule with its factor resolved to a vector index.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedRule {
    pub vector_index: usize,
    pub test: RuleTest,
    pub texts: &'static [&'static str],
}

/// A workflow in the form the engine uses: base and own parts joined, names
/// resolved to indices. Built once from `WORKFLOW_SCHEMAS`.
#[derive(Debug)]
pub struct Workflow {
    /// Position in `WORKFLOW_SCHEMAS`.
    pub index: usize,
    pub schema: &'static WorkflowSchema,
    /// Base fields, then the workflow's own fields.
    pub fields: Vec<&'static FieldSpec>,
    /// The 8 common entries, then the workflow's own, in vector order.
    pub vector: Vec<ResolvedEntry>,
    pub rules: Vec<ResolvedRule>,
    /// Known directions of effect by field index (`base::BASE_MONOTONE`,
    /// then the workflow's own): data for families that constrain them.
    pub monotone: Vec<(usize, failure_modes::Monotone)>,
    /// The raw fields a family that reads raw values takes as its features,
    /// in field order: every number, boolean and enum field (not
    /// `workflowType` or `timestamp`).
    pub model_fields: Vec<usize>,
    /// The fields of `model_fields` that no vector entry reads (freestyle
    /// `bufferSize`, say). Explanations give them slots of their own, after
    /// the vector's entries, named by the field.
    pub fields_outside_vector: Vec<usize>,
    field_lookup: HashMap<&'static str, usize>,
    feature_lookup: HashMap<&'static str, usize>,
}

impl Workflow {
    pub fn workflow_type(&self) -> &'static str {
        self.schema.workflow_type
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.field_lookup.get(name).copied()
    }

    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.feature_lookup.get(name).copied()
    }

    /// The vector entries computed from raw field `field_index` (none for
    /// fields no entry reads; several for an enum with several
    /// `EnumEquals` entries). A family that explains raw fields attributes
    /// each field's contribution to these entries.
    pub fn entries_reading(&self, field_index: usize) -> impl Iterator<Item = usize> + '_ {
        self.vector
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.field_index == field_index)
            .map(|(i, _)| i)
    }

    /// Explanation slots: one per vector entry, then one per field of
    /// `fields_outside_vector`.
    pub fn explanation_slots(&self) -> usize {
        self.vector.len() + self.fields_outside_vector.len()
    }

    /// The names of the explanation slots: the vector's features, then the
    /// fields outside the vector.
    pub fn explanation_slot_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.feature_names().chain(
            self.fields_outside_vector
                .iter()
                .map(|&f| self.fields[f].name),
        )
    }

    pub fn feature_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.vector.iter().map(|e| e.feature)
    }

    fn resolve(index: usize, schema: &'static WorkflowSchema) -> Workflow {
        let fields: Vec<&'static FieldSpec> = base::BASE_FIELDS
            .iter()
            .chain(schema.fields.iter())
            .collect();
        let field_lookup: HashMap<_, _> = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name, i))
            .collect();
        assert_eq!(
            field_lookup.len(),
            fields.len(),
            "{}: duplicate field name",
            schema.workflow_type
        );
        let vector: Vec<ResolvedEntry> = base::BASE_VECTOR
            .iter()
            .chain(schema.vector.iter())
            .map(|e| ResolvedEntry {
                feature: e.feature,
                field_index: *field_lookup.get(e.field).unwrap_or_else(|| {
                    panic!(
                        "{}: vector entry {} reads unknown field {}",
                        schema.workflow_type, e.feature, e.field
                    )
                }),
                normalisation: e.normalisation,
                critical: schema.critical_features.contains(&e.feature),
            })
            .collect();
        let feature_lookup: HashMap<_, _> = vector
            .iter()
            .enumerate()
            .map(|(i, e)| (e.feature, i))
            .collect();
        assert_eq!(
            feature_lookup.len(),
            vector.len(),
            "{}: duplicate feature name",
            schema.workflow_type
        );
        for c in schema.critical_features {
            assert!(
                feature_lookup.contains_key(c),
                "{}: unknown critical feature {c}",
                schema.workflow_type
            );
        }
        let rules = schema
            .recommendation_rules
            .iter()
            .map(|r| ResolvedRule {
                vector_index: *feature_lookup.get(r.feature).unwrap_or_else(|| {
                    panic!(
                        "{}: rule on unknown feature {}",
                        schema.workflow_type, r.feature
                    )
                }),
                test: r.test,
                texts: r.texts,
            })
            .collect();
        let monotone = base::BASE_MONOTONE
            .iter()
            .chain(schema.monotone)
            .map(|(name, direction)| {
                let i = *field_lookup.get(name).unwrap_or_else(|| {
                    panic!(
                        "{}: monotone direction for unknown field {name}",
                        schema.workflow_type
                    )
                });
                assert_eq!(
                    fields[i].ty,
                    FieldType::Number,
                    "{}: {name} is not a number",
                    schema.workflow_type
                );
                (i, *direction)
            })
            .collect();
        let model_fields: Vec<usize> = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                matches!(
                    f.ty,
                    FieldType::Number | FieldType::Boolean | FieldType::Enum(_)
                )
            })
            .map(|(i, _)| i)
            .collect();
        let fields_outside_vector = model_fields
            .iter()
            .copied()
            .filter(|&f| vector.iter().all(|e| e.field_index != f))
            .collect();
        Workflow {
            index,
            schema,
            fields,
            vector,
            rules,
            monotone,
            model_fields,
            fields_outside_vector,
            field_lookup,
            feature_lookup,
        }
    }
}

/// The resolved workflows, built on first use. This is derived constant data,
/// not state: it never changes after it is built.
pub fn all_workflows() -> &'static [Workflow] {
    static RESOLVED: OnceLock<Vec<Workflow>> = OnceLock::new();
    RESOLVED.get_or_init(|| {
        WORKFLOW_SCHEMAS
            .iter()
            .enumerate()
            .map(|(i, s)| Workflow::resolve(i, s))
            .collect()
    })
}

/// The workflow with this `workflowType`, if there is one.
pub fn find_workflow(workflow_type: &str) -> Option<&'static Workflow> {
    all_workflows()
        .iter()
        .find(|w| w.schema.workflow_type == workflow_type)
}

/// The allowed `workflowType` strings, in declaration order.
pub fn workflow_types() -> impl Iterator<Item = &'static str> {
    WORKFLOW_SCHEMAS.iter().map(|s| s.workflow_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workflow_resolves_with_common_entries_first() {
        for w in all_workflows() {
            let names: Vec<_> = w.feature_names().take(8).collect();
            assert_eq!(
                names,
                [
                    "networkLatency",
                    "apiAvailable",
                    "userConcurrency",
                    "systemMemory",
                    "cpuUtilization",
                    "timeOfDay",
                    "dayOfWeek",
                    "isWeekend"
                ]
            );
            assert!(
                w.vector.len() > 8 && w.fields.len() > 10,
                "{}",
                w.workflow_type()
            );
        }
    }

    #[test]
    fn lookups_find_declared_names_only() {
        let w = find_workflow("freestyle").unwrap();
        assert_eq!(w.field_index("workflowType"), Some(0));
        assert!(w.field_index("bufferSize").is_some());
        assert!(
            w.feature_index("bufferSize").is_none(),
            "bufferSize feeds no vector entry"
        );
        assert!(find_workflow("nope").is_none());
        let memory = find_workflow("ai-memory").unwrap();
        let op = memory.field_index("operationType").unwrap();
        let names: Vec<_> = memory
            .entries_reading(op)
            .map(|i| memory.vector[i].feature)
            .collect();
        assert_eq!(names, ["opStore", "opRetrieve", "opSearch"]);
        assert_eq!(
            w.entries_reading(w.field_index("bufferSize").unwrap())
                .count(),
            0
        );
        let outside: Vec<_> = w
            .fields_outside_vector
            .iter()
            .map(|&f| w.fields[f].name)
            .collect();
        assert_eq!(outside, ["bufferSize", "languageModel"]);
        assert_eq!(w.explanation_slots(), w.vector.len() + 2);
        assert!(!w
            .model_fields
            .contains(&w.field_index("timestamp").unwrap()));
        assert!(
            !w.model_fields.contains(&0),
            "workflowType is no model field"
        );
        assert_eq!(w.model_fields.len(), w.fields.len() - 2);
    }

    #[test]
    fn defaults_match_field_types() {
        for w in all_workflows() {
            for f in &w.fields {
                let ok = match (f.ty, f.default) {
                    (FieldType::Number, FieldDefault::Number(x)) => x.is_finite(),
                    (FieldType::Boolean, FieldDefault::Boolean(_)) => true,
                    (FieldType::Enum(values), FieldDefault::Enum(v)) => values.contains(&v),
                    (FieldType::Text | FieldType::WorkflowType, FieldDefault::NotApplicable) => {
                        true
                    }
                    _ => false,
                };
                assert!(
                    ok,
                    "{}.{}: default {:?} does not fit {:?}",
                    w.workflow_type(),
                    f.name,
                    f.default,
                    f.ty
                );
            }
        }
    }
}
