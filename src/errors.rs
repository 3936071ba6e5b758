//! `EngineError` -> JavaScript error (`TypeError` for bad input) with `code`,
//! and the panic guard every exported function runs its work in.

use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, Error, Status};

use crate::error::EngineError;

/// Build the JS error object for `e`: `TypeError` for invalid input, `Error`
/// otherwise, with `code` set to the stable code.
///
/// If JavaScript code called while reading the input threw (a getter, a
/// proxy trap), that exception is still pending: it is what the caller
/// gets, as it would from reading the property in JavaScript.
pub fn to_js(env: &Env, e: &EngineError) -> Error {
    let raw_env = env.raw();
    let mut pending = false;
    // SAFETY: `raw_env` is the env of the current call, on its thread.
    if unsafe { sys::napi_is_exception_pending(raw_env, &mut pending) } == sys::Status::napi_ok
        && pending
    {
        return Error::from_status(Status::PendingException);
    }
    let build = || -> Option<sys::napi_value> {
        let code = CString::new(e.code()).ok()?;
        let message = e.to_string();
        let mut js_code = ptr::null_mut();
        let mut js_message = ptr::null_mut();
        let mut out = ptr::null_mut();
        unsafe {
            if sys::napi_create_string_utf8(
                raw_env,
                code.as_ptr(),
                e.code().len() as isize,
                &mut js_code,
            ) != sys::Status::napi_ok
                || sys::napi_create_string_utf8(
                    raw_env,
                    message.as_ptr().cast(),
                    message.len() as isize,
                    &mut js_message,
                ) != sys::Status::napi_ok
            {
                return None;
            }
            let status = if e.is_type_error() {
                sys::napi_create_type_error(raw_env, js_code, js_message, &mut out)
            } else {
                sys::napi_create_error(raw_env, js_code, js_message, &mut out)
            };
            (status == sys::Status::napi_ok).then_some(out)
        }
    };
    match build() {
        Some(value) => Error::from(unsafe { Unknown::from_raw_unchecked(raw_env, value) }),
        // The environment cannot build objects (it is shutting down): fall back
        // to a plain error that napi-rs will try to throw itself.
        None => Error::new(Status::GenericFailure, format!("{}: {e}", e.code())),
    }
}

/// Run `work`, turning a panic into `EngineError::Internal`.
pub fn guard<T>(work: impl FnOnce() -> Result<T, EngineError>) -> Result<T, EngineError> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(EngineError::Internal(what))
        }
    }
}

/// `guard`, then map the error for JavaScript.
pub fn run<T>(env: &Env, work: impl FnOnce() -> Result<T, EngineError>) -> napi::Result<T> {
    guard(work).map_err(|e| to_js(env, &e))
}

/// A number from JavaScript, shown in an error message as JavaScript shows
/// it: `NaN`, `Infinity` and `-Infinity` rather than Rust's `NaN`, `inf`
/// and `-inf`.
pub struct JsNumber(pub f64);

impl std::fmt::Display for JsNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            x if x.is_nan() => f.write_str("NaN"),
            x if x == f64::INFINITY => f.write_str("Infinity"),
            x if x == f64::NEG_INFINITY => f.write_str("-Infinity"),
            x => write!(f, "{x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_an_internal_error() {
        let e = guard::<()>(|| panic!("index out of bounds")).unwrap_err();
        assert_eq!(e.code(), "ERR_INTERNAL");
        assert_eq!(
            e.to_string(),
            "Internal error in ml-engine: index out of bounds"
        );
        let e = guard::<()>(|| std::panic::panic_any(7_u8)).unwrap_err();
        assert_eq!(e.to_string(), "Internal error in ml-engine: unknown panic");
        assert_eq!(guard(|| Ok(3)).unwrap(), 3);
    }

    #[test]
    fn numbers_show_as_javascript_shows_them() {
        let shown: Vec<String> = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 5.0, -1.5]
            .iter()
            .map(|x| JsNumber(*x).to_string())
            .collect();
        assert_eq!(shown, ["NaN", "Infinity", "-Infinity", "5", "-1.5"]);
    }
}
