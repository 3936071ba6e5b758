//! Running core work on the libuv thread pool as an `AsyncTask`, with the
//! core's error (and its code) carried through to the JavaScript rejection.

use napi::bindgen_prelude::{ToNapiValue, TypeName};
use napi::{Env, Error, Status, Task};

use super::errors::{guard, to_js};
use crate::error::EngineError;

/// Work that runs off the JS thread, then converts its output on it.
pub trait Work: Send + Sized + 'static {
    type Output: Send + 'static;
    type Js: ToNapiValue + TypeName;
    /// Runs on a pool thread. Must not touch JavaScript.
    fn run(&mut self) -> Result<Self::Output, EngineError>;
    /// Runs on the JS thread.
    fn resolve_js(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::Js>;
}

pub struct EngineTask<W: Work> {
    work: W,
    failure: Option<EngineError>,
}

impl<W: Work> EngineTask<W> {
    pub fn new(work: W) -> Self {
        EngineTask {
            work,
            failure: None,
        }
    }
}

impl<W: Work> Task for EngineTask<W> {
    type Output = W::Output;
    type JsValue = W::Js;

    fn compute(&mut self) -> napi::Result<W::Output> {
        let work = &mut self.work;
        guard(|| work.run()).map_err(|e| {
            let message = e.to_string();
            self.failure = Some(e);
            Error::new(Status::GenericFailure, message)
        })
    }

    fn resolve(&mut self, env: Env, output: W::Output) -> napi::Result<W::Js> {
        self.work.resolve_js(env, output)
    }

    fn reject(&mut self, env: Env, err: Error) -> napi::Result<W::Js> {
        Err(match self.failure.take() {
            Some(e) => to_js(&env, &e),
            None => err,
        })
    }
}
