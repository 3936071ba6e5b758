//! Fuzzing the model-file parser: shipped model files mutated as JSON
//! (a value replaced by any value, a key removed or added, at any depth)
//! and as bytes (truncated, a byte changed, bytes inserted), parsed by
//! `LoadedModel::parse`. Invariant: ERR_INVALID_MODEL, or a model whose
//! probabilities are in [0, 1] for every vector, the same through the
//! columnar path as through the model.

mod fuzz_support;

use dawg_ml_engine::columnar::Columnar;
use dawg_ml_engine::family::Input;
use dawg_ml_engine::model::LoadedModel;
use dawg_ml_engine::schema::{all_workflows, Workflow};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::OnceLock;

fn shipped() -> &'static [(String, Value)] {
    static FILES: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    FILES.get_or_init(|| {
        all_workflows()
            .iter()
            .map(|w| {
                let text = fuzz_support::shipped_model_text(w.workflow_type());
                let value = serde_json::from_str(&text).expect("shipped model JSON");
                (text, value)
            })
            .collect()
    })
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |x| serde_json::Number::from_f64(x)
            .map(Value::Number)),
        prop_oneof![
            Just(1e308),
            Just(-1e308),
            Just(0.0),
            Just(-1.0),
            Just(1e-310),
            Just(1e30)
        ]
        .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("gbdt"),
            Just("logistic-regression-l2"),
            Just("logistic"),
            Just("platt"),
            Just("isotonic"),
            Just("ai-memory"),
            Just("freestyle"),
            Just(""),
            Just("NaN")
        ]
        .prop_map(Value::from),
        ".{0,10}".prop_map(Value::from),
        Just(Value::Array(vec![])),
        Just(serde_json::json!({})),
        prop::collection::vec(-10.0f64..10.0, 0..6).prop_map(|v| serde_json::json!(v)),
        Just(serde_json::json!({"method": "platt", "a": 1e308, "b": -1e308})),
        Just(serde_json::json!({"method": "platt", "a": -1.0, "b": 0.0})),
        Just(serde_json::json!({"method": "isotonic", "x": [0.5, 0.2], "y": [0.1, 2.0]})),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Walk `path` (each step picks a child by index modulo its size), then replace the value there.
    Replace(Vec<usize>, Value),
    Remove(Vec<usize>),
    Insert(Vec<usize>, String, Value),
    Truncate(usize),
    SetByte(usize, u8),
    InsertBytes(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let path = prop::collection::vec(any::<usize>(), 1..4);
    prop_oneof![
        4 => (path.clone(), replacement()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        2 => path.clone().prop_map(Mutation::Remove),
        // Some keys the format knows, so that a replacement lands where it is read.
        1 => (path, prop_oneof!["[a-zA-Z]{1,10}", Just("calibration".to_string()), Just("modelType".to_string())], replacement())
            .prop_map(|(p, k, v)| Mutation::Insert(p, k, v)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::SetByte(i, b)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
    ]
}

/// The JSON pointer of the container reached by `path` (each step picks a
/// child container by index modulo the size), and the last step.
fn walk(root: &Value, path: &[usize]) -> Option<(String, usize)> {
    let (last, steps) = path.split_last()?;
    let mut node = root;
    let mut pointer = String::new();
    for step in steps {
        let next = match node {
            Value::Object(m) if !m.is_empty() => {
                let (k, v) = m.iter().nth(step % m.len()).unwrap();
                Some((k.replace('~', "~0").replace('/', "~1"), v))
            }
            Value::Array(a) if !a.is_empty() => {
                let i = step % a.len();
                Some((i.to_string(), &a[i]))
            }
            _ => None,
        };
        match next {
            Some((k, child)) if child.is_object() || child.is_array() => {
                pointer.push('/');
                pointer.push_str(&k);
                node = child;
            }
            _ => break,
        }
    }
    Some((pointer, *last))
}

fn mutate_value(value: &mut Value, m: &Mutation) {
    let (path, v) = match m {
        Mutation::Replace(p, v) | Mutation::Insert(p, _, v) => (p, Some(v)),
        Mutation::Remove(p) => (p, None),
        _ => return,
    };
    let Some((pointer, i)) = walk(value, path) else {
        return;
    };
    let Some(node) = value.pointer_mut(&pointer) else {
        return;
    };
    match (node, m) {
        (Value::Object(map), Mutation::Insert(_, k, _)) => {
            map.insert(k.clone(), v.cloned().unwrap_or(Value::Null));
        }
        (Value::Object(map), _) if !map.is_empty() => {
            let key = map.keys().nth(i % map.len()).cloned().unwrap();
            match v {
                None => drop(map.remove(&key)),
                Some(v) => drop(map.insert(key, v.clone())),
            }
        }
        (Value::Array(a), _) if !a.is_empty() => {
            let n = a.len();
            match (m, v) {
                (_, None) => drop(a.remove(i % n)),
                (Mutation::Insert(..), Some(v)) => a.insert(i % (n + 1), v.clone()),
                (_, Some(v)) => a[i % n] = v.clone(),
            }
        }
        _ => {}
    }
}

fn mutate_bytes(b: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Truncate(n) => b.truncate(n % (b.len() + 1)),
        Mutation::SetByte(i, x) if !b.is_empty() => {
            let n = b.len();
            b[i % n] = *x;
        }
        Mutation::InsertBytes(i, xs) => {
            let at = i % (b.len() + 1);
            b.splice(at..at, xs.iter().copied());
        }
        _ => {}
    }
}

/// The mutated file: JSON mutations apply to the value until the first
/// byte mutation, which serialises it; later JSON mutations are ignored.
fn apply(base: &(String, Value), mutations: &[Mutation]) -> Vec<u8> {
    let mut value = base.1.clone();
    let mut bytes: Option<Vec<u8>> = None;
    for m in mutations {
        let byte_level = matches!(
            m,
            Mutation::Truncate(_) | Mutation::SetByte(..) | Mutation::InsertBytes(..)
        );
        match (&mut bytes, byte_level) {
            (None, false) => mutate_value(&mut value, m),
            (Some(_), false) => {}
            (b, true) => mutate_bytes(
                b.get_or_insert_with(|| serde_json::to_vec(&value).unwrap()),
                m,
            ),
        }
    }
    bytes.unwrap_or_else(|| serde_json::to_vec(&value).unwrap())
}

fn check_model(
    model: &LoadedModel,
    w: &'static Workflow,
    probes: &[f64],
) -> Result<(), TestCaseError> {
    let d = w.vector.len();
    let columnar = Columnar::of(model).probabilities(probes);
    for (r, row) in probes.chunks_exact(d).enumerate() {
        let p = model.probability(Input {
            vector: row,
            record: None,
        });
        fuzz_support::probability(&format!("row {r}"), p)?;
        if let Ok(ps) = &columnar {
            prop_assert_eq!(
                ps[r].to_bits(),
                p.to_bits(),
                "row {}: columnar {} vs model {}",
                r,
                ps[r],
                p
            );
        }
    }
    if let Err(e) = &columnar {
        prop_assert_eq!(fuzz_support::coded(e)?, "ERR_INVALID_ARG");
    }
    Ok(())
}

#[test]
fn fuzz_model_file() {
    let workflows = all_workflows().len();
    let strategy = (
        0..workflows,
        prop::collection::vec(mutation(), 1..4),
        prop::collection::vec(
            prop_oneof![
                -2.0f64..2.0,
                Just(0.0),
                Just(1.0),
                Just(1e300),
                Just(-1e300)
            ],
            0..64,
        ),
    );
    fuzz_support::run("rust/model-file", strategy, |(k, mutations, mut probes)| {
        let w = &all_workflows()[k];
        let bytes = apply(&shipped()[k], &mutations);
        let text = String::from_utf8_lossy(&bytes);
        match LoadedModel::parse(w, &text, None) {
            Ok(model) => {
                let d = w.vector.len();
                probes.resize(d * 2, 0.5);
                check_model(&model, w, &probes)?;
                Ok(true)
            }
            Err(e) => {
                prop_assert_eq!(fuzz_support::coded(&e)?, "ERR_INVALID_MODEL", "{}", e);
                Ok(false)
            }
        }
    });
}
