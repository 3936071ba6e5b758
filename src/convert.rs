//! Reading JavaScript feature objects into validated `RawRecord`s, field by
//! field through the raw N-API (one property lookup per schema field, no
//! intermediate JS objects or JSON), and writing predictions back as plain
//! JS objects.
//!
//! The hot path (`NativeModels.predict`/`predictBatch`) looks properties up
//! with JS strings that were created once per `NativeModels` instance (see
//! `StringTable`) instead of turning C strings into V8 strings on every call:
//! making and internalising a key string costs more than the lookup itself.
//! `read_workflow`/`read_record` without a table remain for the cold paths.

use std::collections::HashMap;
use std::ffi::CString;
use std::ptr;
use std::sync::OnceLock;

use napi::sys;

use crate::error::EngineError;
use crate::features::{self, Observed, RawRecord};
use crate::predict::{self, Prediction, RiskLevel};
use crate::schema::{all_workflows, FieldSpec, FieldType, Workflow};

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

// ---------------------------------------------------------------------------
// The string table: every property name the binding reads or writes and every
// string it returns (workflow types, risk levels, feature names,
// recommendation texts), numbered once from the schema. Pure Rust data.
// ---------------------------------------------------------------------------

/// Fixed positions of the output keys and risk levels in `Names::texts`.
pub mod slot {
    pub const WORKFLOW_TYPE: u32 = 0;
    pub const FAILURE_PROBABILITY: u32 = 1;
    pub const RISK_LEVEL: u32 = 2;
    pub const CONFIDENCE: u32 = 3;
    pub const CRITICAL_FACTORS: u32 = 4;
    pub const RECOMMENDATIONS: u32 = 5;
    pub const IMPUTED_FEATURES: u32 = 6;
    pub const FEATURE: u32 = 7;
    pub const VALUE: u32 = 8;
    pub const WEIGHT: u32 = 9;
    pub const CONTRIBUTION: u32 = 10;
    /// `low`, `medium`, `high`, `critical` follow in this order.
    pub const RISK_LOW: u32 = 11;
}

/// FNV-1a: the table's keys are short static strings, looked up a dozen
/// times per prediction; SipHash's DoS resistance buys nothing here.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

struct Names {
    /// Distinct strings; a string's position is its slot.
    texts: Vec<&'static str>,
    slots: FnvMap<&'static str, u32>,
    /// `fields[workflow][field]`: the slot of each raw field name.
    fields: Vec<Vec<u32>>,
}

impl Names {
    fn slot(&self, text: &str) -> Option<u32> {
        self.slots.get(text).copied()
    }
}

fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = Names {
            texts: Vec::new(),
            slots: FnvMap::default(),
            fields: Vec::new(),
        };
        let add = |names: &mut Names, text: &'static str| -> u32 {
            if let Some(&i) = names.slots.get(text) {
                return i;
            }
            let i = names.texts.len() as u32;
            names.texts.push(text);
            names.slots.insert(text, i);
            i
        };
        let fixed = [
            "workflowType",
            "failureProbability",
            "riskLevel",
            "confidence",
            "criticalFactors",
            "recommendations",
            "imputedFeatures",
            "feature",
            "value",
            "weight",
            "contribution",
            RiskLevel::Low.as_str(),
            RiskLevel::Medium.as_str(),
            RiskLevel::High.as_str(),
            RiskLevel::Critical.as_str(),
        ];
        for (i, text) in fixed.into_iter().enumerate() {
            assert_eq!(add(&mut names, text), i as u32, "fixed slots are distinct");
        }
        for w in all_workflows() {
            add(&mut names, w.workflow_type());
            let fields = w.fields.iter().map(|f| add(&mut names, f.name)).collect();
            names.fields.push(fields);
            for f in &w.fields {
                if let FieldType::Enum(values) = f.ty {
                    for v in values {
                        add(&mut names, v);
                    }
                }
            }
            for e in &w.vector {
                add(&mut names, e.feature);
            }
            for r in &w.rules {
                for t in r.texts {
                    add(&mut names, t);
                }
            }
            // The general advice, taken from the core rather than restated here.
            for p in [0.9, 0.7] {
                for t in predict::recommendations(w, &[], p) {
                    add(&mut names, t);
                }
            }
        }
        names
    })
}

fn risk_slot(level: RiskLevel) -> u32 {
    slot::RISK_LOW
        + match level {
            RiskLevel::Low => 0,
            RiskLevel::Medium => 1,
            RiskLevel::High => 2,
            RiskLevel::Critical => 3,
        }
}

fn napi_failure(what: &str) -> EngineError {
    EngineError::InvalidInput {
        expected: "a readable feature object".to_string(),
        received: format!("an object whose {what} could not be read"),
    }
}

fn internal(what: &str) -> EngineError {
    EngineError::Internal(format!("N-API call failed: {what}"))
}

fn ok(status: sys::napi_status, what: &str) -> Result<(), EngineError> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(internal(what))
    }
}

/// Build the JS array of all `Names::texts`, in slot order, as internalised
/// strings: they are set as keys of a scratch object (which internalises
/// them) and read back with `napi_get_property_names`, which returns the
/// object's own string keys in insertion order.
///
/// # Safety
/// `env` must be the live environment of the current call, on its JS thread.
unsafe fn create_table(env: sys::napi_env) -> Result<sys::napi_value, EngineError> {
    let names = names();
    let mut holder = ptr::null_mut();
    ok(sys::napi_create_object(env, &mut holder), "create object")?;
    let mut undefined = ptr::null_mut();
    ok(
        sys::napi_get_undefined(env, &mut undefined),
        "get undefined",
    )?;
    for text in &names.texts {
        let mut key = ptr::null_mut();
        ok(
            sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut key),
            "create string",
        )?;
        ok(
            sys::napi_set_property(env, holder, key, undefined),
            "set property",
        )?;
    }
    let mut keys = ptr::null_mut();
    ok(
        sys::napi_get_property_names(env, holder, &mut keys),
        "get property names",
    )?;
    // Check, once per table, that the keys came back complete and in order.
    let mut len = 0u32;
    ok(
        sys::napi_get_array_length(env, keys, &mut len),
        "array length",
    )?;
    if len as usize != names.texts.len() {
        return Err(EngineError::Internal(format!(
            "string table has {len} keys, expected {}",
            names.texts.len()
        )));
    }
    let mut buf = [0u8; 256];
    for (i, text) in names.texts.iter().enumerate() {
        let mut key = ptr::null_mut();
        ok(
            sys::napi_get_element(env, keys, i as u32, &mut key),
            "get element",
        )?;
        let mut n = 0usize;
        ok(
            sys::napi_get_value_string_utf8(env, key, buf.as_mut_ptr().cast(), buf.len(), &mut n),
            "read string",
        )?;
        if text.len() < buf.len() - 1 && &buf[..n] != text.as_bytes() {
            return Err(EngineError::Internal(format!(
                "string table slot {i} is out of order"
            )));
        }
    }
    Ok(keys)
}

/// Capacity, in f64 slots, of the buffer shared with the JS helpers: the
/// largest workflow has 33 fields, and an output needs 7 + 4 per factor + one
/// per recommendation or imputed field.
const SHARED_SLOTS: usize = 256;

/// The JavaScript half of the fast path, compiled once per instance. `read`
/// encodes a feature object into the shared buffer (one number and one type
/// tag per schema field); it makes no decision of its own: Rust validates
/// what it encodes with `features::parse_field`, and anything it cannot
/// encode exactly (an unknown enum string, an object, ...) sends the call to
/// the napi path, which reads the object again and reports the error. `build`
/// makes the result object, with object literals, from numbers and string
/// slots that Rust writes into the buffer.
///
/// Tags: 0 undefined, 1 number, 2 boolean, 3 enum value (its index in the
/// field's allowed values), 4 string in a free-text field, 5 null, 9 other.
/// Kinds: 0 number, 1 boolean, 2 text, 3 enum, 4 workflowType.
const HELPERS_JS: &str = r#"(function (names, fieldSlots, kinds, enumSlots, typeSlots, f64, tags) {
  'use strict';
  const keys = fieldSlots.map((slots) => slots.map((i) => names[i]));
  const allowed = enumSlots.map((fields) => fields.map((slots) => slots.map((i) => names[i])));
  const types = new Map(typeSlots.map((slot, w) => [names[slot], w]));
  const isArray = Array.isArray;
  // Any value, for any field: the general encoding.
  function encode(v, j, kind, values) {
    switch (typeof v) {
      case 'number': f64[j] = v; tags[j] = 1; break;
      case 'boolean': f64[j] = v ? 1 : 0; tags[j] = 2; break;
      case 'undefined': tags[j] = 0; break;
      case 'string': {
        if (kind === 2 || kind === 4) { tags[j] = 4; break; }
        const i = kind === 3 ? values.indexOf(v) : -1;
        if (i >= 0) { f64[j] = i; tags[j] = 3; } else { tags[j] = 9; }
        break;
      }
      default: tags[j] = v === null ? 5 : 9;
    }
  }
  // One reader per workflow with the field names as constants, so that each
  // read is a named property load with its own inline cache; the expected
  // type is tested first and anything else goes through `encode`.
  function compile(w) {
    const lines = [];
    for (let j = 0; j < keys[w].length; j++) {
      const kind = kinds[w][j];
      if (kind === 4) { lines.push(`tags[${j}] = 4;`); continue; }
      const get = `v = o[${JSON.stringify(keys[w][j])}];`;
      const other = `else encode(v, ${j}, ${kind}, values[${j}]);`;
      if (kind === 0) lines.push(`${get} if (typeof v === 'number') { f64[${j}] = v; tags[${j}] = 1; } ${other}`);
      else if (kind === 1) lines.push(`${get} if (typeof v === 'boolean') { f64[${j}] = v ? 1 : 0; tags[${j}] = 2; } ${other}`);
      else if (kind === 2) lines.push(`${get} if (typeof v === 'string') tags[${j}] = 4; ${other}`);
      else lines.push(`${get} if (typeof v === 'string') { const i = values[${j}].indexOf(v); if (i >= 0) { f64[${j}] = i; tags[${j}] = 3; } else tags[${j}] = 9; } ${other}`);
    }
    return new Function('f64', 'tags', 'values', 'encode', `'use strict'; return function (o) { let v; ${lines.join(' ')} };`)(f64, tags, allowed[w], encode);
  }
  function generic(w) {
    const k = keys[w], kind = kinds[w], values = allowed[w];
    return function (o) {
      for (let j = 0; j < k.length; j++) encode(o[k[j]], j, kind[j], values[j]);
    };
  }
  let readers;
  try {
    readers = keys.map((_, w) => compile(w));
  } catch {
    // Code generation from strings is disabled (--disallow-code-generation-from-strings).
    readers = keys.map((_, w) => generic(w));
  }
  function read(o) {
    if (typeof o !== 'object' || o === null || isArray(o)) return -1;
    const w = types.get(o.workflowType);
    if (w === undefined) return -1;
    readers[w](o);
    return w;
  }
  function build() {
    const nf = f64[4], nr = f64[5], ni = f64[6];
    let at = 7;
    const criticalFactors = [];
    for (let i = 0; i < nf; i++, at += 4) {
      criticalFactors[i] = { feature: names[f64[at]], value: f64[at + 1], weight: f64[at + 2], contribution: f64[at + 3] };
    }
    const recommendations = [];
    for (let i = 0; i < nr; i++) recommendations[i] = names[f64[at++]];
    const imputedFeatures = [];
    for (let i = 0; i < ni; i++) imputedFeatures[i] = names[f64[at++]];
    return {
      workflowType: names[f64[0]],
      failureProbability: f64[1],
      riskLevel: names[f64[2]],
      confidence: f64[3],
      criticalFactors,
      recommendations,
      imputedFeatures,
    };
  }
  return [read, build];
})"#;

unsafe fn js_string(env: sys::napi_env, text: &str) -> Result<sys::napi_value, EngineError> {
    let mut value = ptr::null_mut();
    ok(
        sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut value),
        "create string",
    )?;
    Ok(value)
}

unsafe fn js_number(env: sys::napi_env, x: f64) -> Result<sys::napi_value, EngineError> {
    let mut value = ptr::null_mut();
    ok(sys::napi_create_double(env, x, &mut value), "create double")?;
    Ok(value)
}

/// A JS array of `items`, each made by `make`.
unsafe fn js_array<T>(
    env: sys::napi_env,
    items: impl ExactSizeIterator<Item = T>,
    mut make: impl FnMut(T) -> Result<sys::napi_value, EngineError>,
) -> Result<sys::napi_value, EngineError> {
    let mut array = ptr::null_mut();
    ok(
        sys::napi_create_array_with_length(env, items.len(), &mut array),
        "create array",
    )?;
    for (i, item) in items.enumerate() {
        ok(
            sys::napi_set_element(env, array, i as u32, make(item)?),
            "set element",
        )?;
    }
    Ok(array)
}

fn kind_code(ty: FieldType) -> f64 {
    match ty {
        FieldType::Number => 0.0,
        FieldType::Boolean => 1.0,
        FieldType::Text => 2.0,
        FieldType::Enum(_) => 3.0,
        FieldType::WorkflowType => 4.0,
    }
}

/// Per-instance JS state for the hot paths: the string table, the two helper
/// functions and the buffer they share with Rust. Created lazily in the
/// environment the instance lives in; its references are released when the
/// instance is dropped.
pub struct JsCache {
    env: sys::napi_env,
    table: sys::napi_ref,
    read: sys::napi_ref,
    build: sys::napi_ref,
    /// Start of the shared buffer: `SHARED_SLOTS` f64, then `SHARED_SLOTS` tag bytes.
    data: *mut u8,
    /// Calls of `read`/`build` in progress. A getter of a feature object can
    /// call `predict` again while `read` runs; such a nested call must not
    /// touch the shared buffer, so it takes the napi path.
    busy: std::cell::Cell<u32>,
}

impl JsCache {
    /// # Safety
    /// `env` must be the live environment of the current call, on its JS thread.
    unsafe fn new(env: sys::napi_env) -> Result<JsCache, EngineError> {
        let names = names();
        let array = create_table(env)?;
        let workflows = all_workflows();
        let field_slots = js_array(env, names.fields.iter(), |slots| {
            js_array(env, slots.iter(), |s| js_number(env, *s as f64))
        })?;
        let kinds = js_array(env, workflows.iter(), |w| {
            js_array(env, w.fields.iter(), |f| js_number(env, kind_code(f.ty)))
        })?;
        let enum_slots = js_array(env, workflows.iter(), |w| {
            js_array(env, w.fields.iter(), |f| match f.ty {
                FieldType::Enum(values) => js_array(env, values.iter(), |v| {
                    let slot = names.slot(v);
                    match slot {
                        Some(s) => js_number(env, s as f64),
                        // Not in the table: the helper never matches it, so
                        // such a value always takes the napi path.
                        None => js_number(env, -1.0),
                    }
                }),
                _ => js_array(env, std::iter::empty::<()>(), |_| unreachable!()),
            })
        })?;
        let type_slots = js_array(env, workflows.iter(), |w| {
            js_number(
                env,
                names.slot(w.workflow_type()).expect("in the table") as f64,
            )
        })?;

        let mut cache = JsCache {
            env,
            table: ptr::null_mut(),
            read: ptr::null_mut(),
            build: ptr::null_mut(),
            data: ptr::null_mut(),
            busy: std::cell::Cell::new(0),
        };
        // Filled one by one so that `Drop` releases whatever was created.
        ok(
            sys::napi_create_reference(env, array, 1, &mut cache.table),
            "reference",
        )?;
        let helpers = (|| -> Result<(), EngineError> {
            let mut data: *mut std::ffi::c_void = ptr::null_mut();
            let mut buffer = ptr::null_mut();
            ok(
                sys::napi_create_arraybuffer(env, SHARED_SLOTS * 9, &mut data, &mut buffer),
                "create arraybuffer",
            )?;
            let mut f64s = ptr::null_mut();
            ok(
                sys::napi_create_typedarray(
                    env,
                    sys::TypedarrayType::float64_array,
                    SHARED_SLOTS,
                    buffer,
                    0,
                    &mut f64s,
                ),
                "create Float64Array",
            )?;
            let mut tags = ptr::null_mut();
            ok(
                sys::napi_create_typedarray(
                    env,
                    sys::TypedarrayType::uint8_array,
                    SHARED_SLOTS,
                    buffer,
                    SHARED_SLOTS * 8,
                    &mut tags,
                ),
                "create Uint8Array",
            )?;
            let mut factory = ptr::null_mut();
            ok(
                sys::napi_run_script(env, js_string(env, HELPERS_JS)?, &mut factory),
                "compile helpers",
            )?;
            let mut global = ptr::null_mut();
            ok(sys::napi_get_global(env, &mut global), "get global")?;
            let args = [
                array,
                field_slots,
                kinds,
                enum_slots,
                type_slots,
                f64s,
                tags,
            ];
            let mut pair = ptr::null_mut();
            ok(
                sys::napi_call_function(env, global, factory, args.len(), args.as_ptr(), &mut pair),
                "make helpers",
            )?;
            let mut read = ptr::null_mut();
            let mut build = ptr::null_mut();
            ok(sys::napi_get_element(env, pair, 0, &mut read), "get read")?;
            ok(sys::napi_get_element(env, pair, 1, &mut build), "get build")?;
            ok(
                sys::napi_create_reference(env, read, 1, &mut cache.read),
                "reference",
            )?;
            ok(
                sys::napi_create_reference(env, build, 1, &mut cache.build),
                "reference",
            )?;
            cache.data = data.cast();
            Ok(())
        })();
        if helpers.is_err() || cache.build.is_null() {
            // No helpers (say, scripts cannot be compiled in this environment):
            // every call takes the napi path. Nothing may stay pending.
            let mut pending = false;
            if sys::napi_is_exception_pending(env, &mut pending) == sys::Status::napi_ok && pending
            {
                let mut exception = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(env, &mut exception);
            }
            cache.data = ptr::null_mut();
        }
        Ok(cache)
    }

    /// The number in shared slot `i`.
    ///
    /// # Safety
    /// No JS helper may be running (they are only called synchronously from
    /// this module, so outside `call` this holds).
    unsafe fn f64_at(&self, i: usize) -> f64 {
        debug_assert!(i < SHARED_SLOTS);
        // SAFETY: `data` points to the live `SHARED_SLOTS * 9`-byte buffer
        // (kept alive by the helper closures we reference; nothing outside
        // them can reach it to detach it), 8-aligned as every ArrayBuffer is.
        ptr::read(self.data.cast::<f64>().add(i))
    }

    unsafe fn set_f64(&self, i: usize, x: f64) {
        debug_assert!(i < SHARED_SLOTS);
        // SAFETY: as in `f64_at`.
        ptr::write(self.data.cast::<f64>().add(i), x)
    }

    unsafe fn tag_at(&self, i: usize) -> u8 {
        debug_assert!(i < SHARED_SLOTS);
        // SAFETY: as in `f64_at`; the tags follow the f64 slots.
        ptr::read(self.data.add(SHARED_SLOTS * 8 + i))
    }

    /// Call helper `f` with `args`, marking the buffer busy meanwhile.
    /// `None` when the call threw (a getter of the input threw, or the stack
    /// ran out): the exception is cleared, and the caller takes the napi
    /// path, which reads the input again and reports what fails as before.
    unsafe fn call(&self, f: sys::napi_ref, args: &[sys::napi_value]) -> Option<sys::napi_value> {
        let env = self.env;
        let mut function = ptr::null_mut();
        let mut undefined = ptr::null_mut();
        if sys::napi_get_reference_value(env, f, &mut function) != sys::Status::napi_ok
            || function.is_null()
            || sys::napi_get_undefined(env, &mut undefined) != sys::Status::napi_ok
        {
            return None;
        }
        let mut result = ptr::null_mut();
        self.busy.set(self.busy.get() + 1);
        let status = sys::napi_call_function(
            env,
            undefined,
            function,
            args.len(),
            args.as_ptr(),
            &mut result,
        );
        self.busy.set(self.busy.get() - 1);
        if status == sys::Status::napi_ok {
            return Some(result);
        }
        let mut pending = false;
        if sys::napi_is_exception_pending(env, &mut pending) == sys::Status::napi_ok && pending {
            let mut exception = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut exception);
        }
        None
    }
}

impl Drop for JsCache {
    fn drop(&mut self) {
        // SAFETY: the references were created in `self.env`, and a `JsCache`
        // is only dropped with its owning `NativeModels`, whose finalizer runs
        // on that environment's JS thread. During environment teardown Node
        // unlinks (but does not free) user-created references, so deleting
        // them here is still valid then.
        unsafe {
            for r in [self.table, self.read, self.build] {
                if !r.is_null() {
                    sys::napi_delete_reference(self.env, r);
                }
            }
        }
    }
}

/// A per-instance cache slot.
pub type StringCache = std::cell::OnceCell<JsCache>;

/// The per-call view of an instance's `JsCache`: the string table as a JS
/// array in the current handle scope, and the helpers when this call may use
/// them.
pub struct Strings<'a> {
    env: sys::napi_env,
    array: sys::napi_value,
    helpers: Option<&'a JsCache>,
}

impl<'a> Strings<'a> {
    /// The cache for this call: the instance's when the call comes from the
    /// environment it was created in (always, in practice: an instance lives
    /// in one environment), else a fresh string table without helpers.
    ///
    /// # Safety
    /// `env` must be the live environment of the current call, on its JS thread.
    pub unsafe fn get(
        cache: &'a StringCache,
        env: sys::napi_env,
    ) -> Result<Strings<'a>, EngineError> {
        if cache.get().is_none() {
            let _ = cache.set(JsCache::new(env)?);
        }
        let table = cache.get().expect("set above");
        if table.env != env {
            return Ok(Strings {
                env,
                array: create_table(env)?,
                helpers: None,
            });
        }
        let mut array = ptr::null_mut();
        ok(
            sys::napi_get_reference_value(env, table.table, &mut array),
            "get reference value",
        )?;
        if array.is_null() {
            return Err(internal("string table was collected"));
        }
        let helpers = (table.busy.get() == 0 && !table.data.is_null()).then_some(table);
        Ok(Strings {
            env,
            array,
            helpers,
        })
    }

    /// The fast-path helpers, when this call may use them.
    pub fn helpers(&self) -> Option<&'a JsCache> {
        self.helpers
    }

    /// The JS string in `slot`.
    #[inline]
    unsafe fn at(&self, slot: u32) -> Result<sys::napi_value, EngineError> {
        let mut value = ptr::null_mut();
        ok(
            sys::napi_get_element(self.env, self.array, slot, &mut value),
            "get element",
        )?;
        Ok(value)
    }

    /// A JS string for `text`: from the table when it is there, else new.
    unsafe fn text(&self, text: &str) -> Result<sys::napi_value, EngineError> {
        match names().slot(text) {
            Some(slot) => self.at(slot),
            None => {
                let mut value = ptr::null_mut();
                ok(
                    sys::napi_create_string_utf8(
                        self.env,
                        text.as_ptr().cast(),
                        text.len() as isize,
                        &mut value,
                    ),
                    "create string",
                )?;
                Ok(value)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

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

/// `object[key]` with a key from the string table.
unsafe fn get_cached_property(
    strings: &Strings,
    object: sys::napi_value,
    slot: u32,
) -> Result<sys::napi_value, EngineError> {
    let key = strings.at(slot)?;
    let mut value = ptr::null_mut();
    if sys::napi_get_property(strings.env, object, key, &mut value) != sys::Status::napi_ok {
        return Err(napi_failure(&format!(
            "property '{}'",
            names().texts[slot as usize]
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

/// `read_workflow` with the key from the string table.
pub unsafe fn read_workflow_cached(
    strings: &Strings,
    object: sys::napi_value,
    not_found: impl FnOnce(&str) -> EngineError,
) -> Result<&'static Workflow, EngineError> {
    let env = strings.env;
    expect_object(env, object)?;
    let value = get_cached_property(strings, object, slot::WORKFLOW_TYPE)?;
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

/// `read_record` with keys from the string table, for an object whose
/// `workflowType` `read_workflow_cached` has just resolved to `workflow`.
/// The validation is `features::parse_field`'s, as in `read_record`; two
/// reads are skipped because their outcome is already known:
/// - `workflowType` itself, which was just read and matched;
/// - the content of a string in a free-text field (`timestamp`), which any
///   string passes: only its type is checked.
pub unsafe fn read_record_cached(
    strings: &Strings,
    object: sys::napi_value,
    workflow: &Workflow,
    strict: bool,
) -> Result<RawRecord, EngineError> {
    let env = strings.env;
    let slots = &names().fields[workflow.index];
    let mut index = 0;
    features::read_record(workflow, strict, |spec: &FieldSpec| {
        let slot = slots[index];
        index += 1;
        if spec.ty == FieldType::WorkflowType {
            return Ok(Some(0.0));
        }
        let value = get_cached_property(strings, object, slot)?;
        let mut t = 0;
        if sys::napi_typeof(env, value, &mut t) != sys::Status::napi_ok {
            return Err(napi_failure("value type"));
        }
        if t == sys::ValueType::napi_string && spec.ty == FieldType::Text {
            return features::parse_field(workflow, spec, Observed::Str(""));
        }
        observe_typed(env, value, t, |observed| {
            features::parse_field(workflow, spec, observed)
        })
    })
}

/// The fast path's reading: `read` encodes `object`, and the workflow it
/// names is returned. `Ok(None)` sends the call to the napi path
/// (`read_workflow_cached`), which also produces the error for objects the
/// helper does not accept (not a plain object, unknown `workflowType`).
pub unsafe fn read_workflow_fast(
    helpers: &JsCache,
    object: sys::napi_value,
) -> Result<Option<&'static Workflow>, EngineError> {
    let Some(result) = helpers.call(helpers.read, &[object]) else {
        return Ok(None);
    };
    let mut w = -1i32;
    ok(
        sys::napi_get_value_int32(helpers.env, result, &mut w),
        "read result",
    )?;
    Ok(usize::try_from(w).ok().and_then(|w| all_workflows().get(w)))
}

/// The record `read_workflow_fast` encoded, validated field by field with
/// `features::parse_field` exactly as `read_record` validates. `Ok(None)`:
/// a field holds something the helper does not encode (an unknown enum
/// string, an object, ...): take the napi path, which reports it.
pub unsafe fn read_record_fast(
    helpers: &JsCache,
    workflow: &Workflow,
    strict: bool,
) -> Result<Option<RawRecord>, EngineError> {
    let mut fallback = false;
    let mut index = 0;
    let record = features::read_record(workflow, strict, |spec: &FieldSpec| {
        let j = index;
        index += 1;
        if spec.ty == FieldType::WorkflowType {
            // Matched by the helper's workflow lookup.
            return Ok(Some(0.0));
        }
        let x = helpers.f64_at(j);
        // The values `parse_field` accepts, accepted directly (an enum value
        // is already matched by the helper, by exact equality, to its index);
        // anything else goes through `parse_field` for its verdict and error.
        match (helpers.tag_at(j), spec.ty) {
            (1, FieldType::Number) if x.is_finite() => return Ok(Some(x)),
            (2, FieldType::Boolean) => return Ok(Some(x)),
            (3, FieldType::Enum(values)) if (x as usize) < values.len() => return Ok(Some(x)),
            (4, FieldType::Text) => return Ok(Some(0.0)),
            _ => {}
        }
        let observed = match (helpers.tag_at(j), spec.ty) {
            (0, _) => Observed::Missing,
            (1, _) => Observed::Number(x),
            (2, _) => Observed::Bool(x != 0.0),
            (3, FieldType::Enum(values)) => Observed::Str(values[x as usize]),
            (4, _) => Observed::Str(""),
            (5, _) => Observed::Null,
            _ => {
                fallback = true;
                return Err(EngineError::Internal(
                    "fall back to the napi path".to_string(),
                ));
            }
        };
        features::parse_field(workflow, spec, observed)
    });
    match record {
        _ if fallback => Ok(None),
        Ok(r) => Ok(Some(r)),
        Err(e) => Err(e),
    }
}

/// The prediction written into the shared buffer for `build`, or `None` when
/// a string is not in the table or the buffer is too small.
unsafe fn write_for_build(
    helpers: &JsCache,
    p: &Prediction,
    imputed: &[&'static str],
) -> Option<()> {
    let names = names();
    let needed = 7 + 4 * p.critical_factors.len() + p.recommendations.len() + imputed.len();
    if needed > SHARED_SLOTS {
        return None;
    }
    helpers.set_f64(0, names.slot(p.workflow_type)? as f64);
    helpers.set_f64(1, p.failure_probability);
    helpers.set_f64(2, risk_slot(p.risk_level) as f64);
    helpers.set_f64(3, p.confidence);
    helpers.set_f64(4, p.critical_factors.len() as f64);
    helpers.set_f64(5, p.recommendations.len() as f64);
    helpers.set_f64(6, imputed.len() as f64);
    let mut at = 7;
    for f in &p.critical_factors {
        helpers.set_f64(at, names.slot(f.feature)? as f64);
        helpers.set_f64(at + 1, f.value);
        helpers.set_f64(at + 2, f.weight);
        helpers.set_f64(at + 3, f.contribution);
        at += 4;
    }
    for text in p.recommendations.iter().chain(imputed) {
        helpers.set_f64(at, names.slot(text)? as f64);
        at += 1;
    }
    Some(())
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/// A data property as a plain object literal has it (writable, enumerable,
/// configurable); `napi_define_properties` creates these with
/// `CreateDataProperty`, like an assignment.
fn data_property(name: sys::napi_value, value: sys::napi_value) -> sys::napi_property_descriptor {
    sys::napi_property_descriptor {
        utf8name: ptr::null(),
        name,
        method: None,
        getter: None,
        setter: None,
        value,
        attributes: sys::PropertyAttributes::writable
            | sys::PropertyAttributes::enumerable
            | sys::PropertyAttributes::configurable,
        data: ptr::null_mut(),
    }
}

unsafe fn double(env: sys::napi_env, x: f64) -> Result<sys::napi_value, EngineError> {
    let mut value = ptr::null_mut();
    ok(sys::napi_create_double(env, x, &mut value), "create double")?;
    Ok(value)
}

unsafe fn object_with(
    env: sys::napi_env,
    properties: &[sys::napi_property_descriptor],
) -> Result<sys::napi_value, EngineError> {
    let mut object = ptr::null_mut();
    ok(sys::napi_create_object(env, &mut object), "create object")?;
    ok(
        sys::napi_define_properties(env, object, properties.len(), properties.as_ptr()),
        "define properties",
    )?;
    Ok(object)
}

unsafe fn string_array(strings: &Strings, items: &[&str]) -> Result<sys::napi_value, EngineError> {
    let env = strings.env;
    let mut array = ptr::null_mut();
    ok(
        sys::napi_create_array_with_length(env, items.len(), &mut array),
        "create array",
    )?;
    for (i, item) in items.iter().enumerate() {
        ok(
            sys::napi_set_element(env, array, i as u32, strings.text(item)?),
            "set element",
        )?;
    }
    Ok(array)
}

/// The prediction as the plain object `predict` returns:
/// `{ workflowType, failureProbability, riskLevel, confidence,
/// criticalFactors: [{ feature, value, weight, contribution }],
/// recommendations, imputedFeatures }`, keys in this order.
pub unsafe fn write_prediction(
    strings: &Strings,
    p: &Prediction,
    imputed: &[&'static str],
) -> Result<sys::napi_value, EngineError> {
    if let Some(helpers) = strings.helpers {
        if write_for_build(helpers, p, imputed).is_some() {
            if let Some(result) = helpers.call(helpers.build, &[]) {
                return Ok(result);
            }
        }
    }
    let env = strings.env;
    let mut factors = ptr::null_mut();
    ok(
        sys::napi_create_array_with_length(env, p.critical_factors.len(), &mut factors),
        "create array",
    )?;
    for (i, f) in p.critical_factors.iter().enumerate() {
        let factor = object_with(
            env,
            &[
                data_property(strings.at(slot::FEATURE)?, strings.text(f.feature)?),
                data_property(strings.at(slot::VALUE)?, double(env, f.value)?),
                data_property(strings.at(slot::WEIGHT)?, double(env, f.weight)?),
                data_property(
                    strings.at(slot::CONTRIBUTION)?,
                    double(env, f.contribution)?,
                ),
            ],
        )?;
        ok(
            sys::napi_set_element(env, factors, i as u32, factor),
            "set element",
        )?;
    }
    object_with(
        env,
        &[
            data_property(
                strings.at(slot::WORKFLOW_TYPE)?,
                strings.text(p.workflow_type)?,
            ),
            data_property(
                strings.at(slot::FAILURE_PROBABILITY)?,
                double(env, p.failure_probability)?,
            ),
            data_property(
                strings.at(slot::RISK_LEVEL)?,
                strings.at(risk_slot(p.risk_level))?,
            ),
            data_property(strings.at(slot::CONFIDENCE)?, double(env, p.confidence)?),
            data_property(strings.at(slot::CRITICAL_FACTORS)?, factors),
            data_property(
                strings.at(slot::RECOMMENDATIONS)?,
                string_array(strings, &p.recommendations)?,
            ),
            data_property(
                strings.at(slot::IMPUTED_FEATURES)?,
                string_array(strings, imputed)?,
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_string_table_numbers_every_name_once_with_fixed_output_slots() {
        let n = names();
        assert_eq!(n.texts[slot::CONTRIBUTION as usize], "contribution");
        assert_eq!(n.texts[risk_slot(RiskLevel::Critical) as usize], "critical");
        assert_eq!(n.slots.len(), n.texts.len());
        for w in all_workflows() {
            for (f, s) in w.fields.iter().zip(&n.fields[w.index]) {
                assert_eq!(n.texts[*s as usize], f.name);
            }
            for e in &w.vector {
                assert!(n.slot(e.feature).is_some());
            }
        }
        // No integer-like names: they would change the key order of the table.
        assert!(n.texts.iter().all(|t| t.parse::<u64>().is_err()));
    }
}
