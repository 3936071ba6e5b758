//! Reading JavaScript feature objects through N-API, field by field: the
//! path for what `lib/feature-reader.js` does not encode (values that need
//! describing in an error, such as an object or an unknown enum string) and
//! for calls made while a reader is already busy (a getter that predicts).
//! Each property is read once per field and validated by the core's
//! `features::parse_field`, as encoded objects are.

use std::ffi::CString;
use std::ptr;
use std::sync::OnceLock;

use napi::sys;

use crate::error::EngineError;
use crate::features::{self, Observed, RawRecord};
use crate::schema::{all_workflows, FieldSpec, Workflow};

/// NUL-terminated property names per workflow field, built once from the schema.
fn field_keys(workflow: &Workflow) -> &'static [CString] {
    static KEYS: OnceLock<Vec<Vec<CString>>> = OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        all_workflows()
            .iter()
            .map(|w| {
                w.fields
                    .iter()
                    .map(|f| CString::new(f.name).expect("field names have no NUL"))
                    .collect()
            })
            .collect()
    });
    &keys[workflow.index]
}

const WORKFLOW_TYPE_KEY: &std::ffi::CStr = c"workflowType";

fn napi_failure(what: &str) -> EngineError {
    EngineError::InvalidInput {
        expected: "a readable feature object".to_string(),
        received: format!("an object whose {what} could not be read"),
    }
}

fn type_name(t: sys::napi_valuetype) -> &'static str {
    match t {
        sys::ValueType::napi_undefined => "undefined",
        sys::ValueType::napi_null => "null",
        sys::ValueType::napi_boolean => "boolean",
        sys::ValueType::napi_number => "number",
        sys::ValueType::napi_string => "string",
        sys::ValueType::napi_symbol => "symbol",
        sys::ValueType::napi_object => "object",
        sys::ValueType::napi_function => "function",
        sys::ValueType::napi_external => "external",
        sys::ValueType::napi_bigint => "bigint",
        _ => "value",
    }
}

/// A JS value as an `Observed`, handing it to `use_it` while any string it
/// holds is borrowed from a local buffer.
unsafe fn with_observed<T>(
    env: sys::napi_env,
    value: sys::napi_value,
    use_it: impl FnOnce(Observed) -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    let mut t = 0;
    if sys::napi_typeof(env, value, &mut t) != sys::Status::napi_ok {
        return Err(napi_failure("value type"));
    }
    observe_typed(env, value, t, use_it)
}

/// `with_observed` for a value whose type is already known.
unsafe fn observe_typed<T>(
    env: sys::napi_env,
    value: sys::napi_value,
    t: sys::napi_valuetype,
    use_it: impl FnOnce(Observed) -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    match t {
        sys::ValueType::napi_undefined => use_it(Observed::Missing),
        sys::ValueType::napi_null => use_it(Observed::Null),
        sys::ValueType::napi_number => {
            let mut x = 0.0;
            sys::napi_get_value_double(env, value, &mut x);
            use_it(Observed::Number(x))
        }
        sys::ValueType::napi_boolean => {
            let mut b = false;
            sys::napi_get_value_bool(env, value, &mut b);
            use_it(Observed::Bool(b))
        }
        sys::ValueType::napi_string => {
            // Schema strings are short; longer ones (which can only be errors
            // or timestamps) take the heap path.
            let mut buf = [0u8; 64];
            let mut len = 0usize;
            sys::napi_get_value_string_utf8(
                env,
                value,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut len,
            );
            if len < buf.len() - 1 {
                return use_it(Observed::Str(
                    std::str::from_utf8(&buf[..len]).unwrap_or("\u{fffd}"),
                ));
            }
            sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len);
            let mut heap = vec![0u8; len + 1];
            sys::napi_get_value_string_utf8(
                env,
                value,
                heap.as_mut_ptr().cast(),
                heap.len(),
                &mut len,
            );
            use_it(Observed::Str(&String::from_utf8_lossy(&heap[..len])))
        }
        other => use_it(Observed::Other(
            if other == sys::ValueType::napi_object && is_array(env, value) {
                "array"
            } else {
                type_name(other)
            },
        )),
    }
}

unsafe fn is_array(env: sys::napi_env, value: sys::napi_value) -> bool {
    let mut result = false;
    sys::napi_is_array(env, value, &mut result);
    result
}

unsafe fn get_property(
    env: sys::napi_env,
    object: sys::napi_value,
    key: &std::ffi::CStr,
) -> Result<sys::napi_value, EngineError> {
    let mut value = ptr::null_mut();
    if sys::napi_get_named_property(env, object, key.as_ptr(), &mut value) != sys::Status::napi_ok {
        return Err(napi_failure(&format!(
            "property '{}'",
            key.to_string_lossy()
        )));
    }
    Ok(value)
}

/// Check that `value` is a plain feature object (not null, an array or a primitive).
pub unsafe fn expect_object(env: sys::napi_env, value: sys::napi_value) -> Result<(), EngineError> {
    let mut t = 0;
    sys::napi_typeof(env, value, &mut t);
    if t == sys::ValueType::napi_object && !is_array(env, value) {
        return Ok(());
    }
    with_observed(env, value, |observed| {
        Err(EngineError::InvalidInput {
            expected: "a feature object".to_string(),
            received: features::describe(&observed),
        })
    })
}

/// The workflow a JS feature object names. `not_found` chooses the error for
/// an unknown type.
pub unsafe fn read_workflow(
    env: sys::napi_env,
    object: sys::napi_value,
    not_found: impl FnOnce(&str) -> EngineError,
) -> Result<&'static Workflow, EngineError> {
    expect_object(env, object)?;
    let value = get_property(env, object, WORKFLOW_TYPE_KEY)?;
    with_observed(env, value, |observed| {
        features::resolve_workflow(observed, not_found)
    })
}

/// Validate every field of `object` against `workflow`.
pub unsafe fn read_record(
    env: sys::napi_env,
    object: sys::napi_value,
    workflow: &Workflow,
    strict: bool,
) -> Result<RawRecord, EngineError> {
    let keys = field_keys(workflow);
    let mut index = 0;
    features::read_record(workflow, strict, |spec: &FieldSpec| {
        let key = &keys[index];
        index += 1;
        let value = get_property(env, object, key)?;
        with_observed(env, value, |observed| {
            features::parse_field(workflow, spec, observed)
        })
    })
}
