//! The models registry (`crate::registry`) for JavaScript: one request
//! function, sync and async, taking the operation, the models directory and
//! the arguments as JSON, and answering with JSON that `lib/registry.js`
//! parses in the caller's realm.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::EngineError;
use crate::errors::run;
use crate::registry::{Guard, NewVersion, Registry};
use crate::task::{EngineTask, Work};

type Result<T, E = EngineError> = std::result::Result<T, E>;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Args {
    id: Option<String>,
    /// `promote`, `rollback`: apply only if this version is still current.
    if_current: Option<String>,
    /// `promote`, `rollback`: apply only if the pointer is at this revision.
    if_revision: Option<u64>,
    reason: Option<String>,
    figures: Option<Value>,
    /// `commit`: the staging directory to turn into a version.
    staging: Option<String>,
    source: Option<String>,
    base: Option<String>,
    /// `attachReferences`: the training data (recorded-outcomes JSONL or any
    /// format `train --data` reads) the staging directory's models were fitted on.
    data: Option<String>,
}

fn to_json(value: impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| EngineError::Internal(e.to_string()))
}

fn answer(op: &str, dir: &str, args: &str) -> Result<String> {
    let args: Args = serde_json::from_str(args).map_err(|e| EngineError::InvalidArgument {
        name: "args".to_string(),
        reason: e.to_string(),
    })?;
    let registry = Registry::new(dir);
    let need = |what: &Option<String>, name: &str| {
        what.clone().ok_or_else(|| EngineError::InvalidArgument {
            name: name.to_string(),
            reason: format!("'{op}' needs it"),
        })
    };
    let guard = Guard {
        if_current: args.if_current.clone(),
        if_revision: args.if_revision,
    };
    let value = match op {
        "state" => to_json(registry.state()?)?,
        "list" => to_json(registry.list()?)?,
        "resolve" => {
            // One read of the pointer for all three (Registry::resolve_all).
            let r = registry.resolve_all()?;
            let shown =
                |r: crate::registry::Resolved| json!({ "dir": r.dir, "version": r.version });
            json!({
                "current": shown(r.current),
                "challenger": r.challenger.map(shown),
                "challengerProblem": r.challenger_problem.map(|e| e.to_string()),
                "revision": r.revision,
            })
        }
        "manifest" => {
            to_json(registry.manifest(&Registry::normalise_id(&need(&args.id, "id")?)?)?)?
        }
        "promote" => {
            to_json(registry.promote(&need(&args.id, "id")?, &guard, args.reason, args.figures)?)?
        }
        "rollback" => to_json(registry.rollback(&guard, args.reason, args.figures)?)?,
        "setChallenger" => {
            to_json(registry.set_challenger(args.id.as_deref(), args.reason, args.figures)?)?
        }
        "stagingDir" => json!(registry.staging_dir()?),
        "commit" => {
            let staging = PathBuf::from(need(&args.staging, "staging")?);
            to_json(
                registry.commit(
                    &staging,
                    NewVersion {
                        source: args.source.unwrap_or_else(|| "train".to_string()),
                        base: args
                            .base
                            .map(|b| Registry::normalise_named("base", &b))
                            .transpose()?,
                        figures: args.figures,
                    },
                )?,
            )?
        }
        "attachReferences" => {
            let staging = PathBuf::from(need(&args.staging, "staging")?);
            let data = PathBuf::from(need(&args.data, "data")?);
            let loaded =
                crate::train::data::from_file(&data, crate::train::data::RowFormat::Auto, true)?;
            to_json(crate::monitor::attach::attach_references(
                &staging, &loaded,
            )?)?
        }
        other => {
            return Err(EngineError::InvalidArgument {
                name: "op".to_string(),
                reason: format!("unknown registry operation '{other}'"),
            })
        }
    };
    Ok(value.to_string())
}

/// Run a registry operation (`state`, `list`, `resolve`, `manifest`,
/// `promote`, `rollback`, `setChallenger`, `stagingDir`, `commit`,
/// `attachReferences`) on the
/// models directory `dir`; `args` and the answer are JSON.
#[napi]
pub fn registry_sync(env: Env, op: String, dir: String, args: String) -> napi::Result<String> {
    run(&env, || answer(&op, &dir, &args))
}

pub struct RegistryWork {
    op: String,
    dir: String,
    args: String,
}

impl Work for RegistryWork {
    type Output = String;
    type Js = String;

    fn run(&mut self) -> Result<String> {
        answer(&self.op, &self.dir, &self.args)
    }

    fn resolve_js(&mut self, _env: Env, output: String) -> napi::Result<String> {
        Ok(output)
    }
}

/// `registrySync` on the libuv pool.
#[napi(ts_return_type = "Promise<string>")]
pub fn registry(op: String, dir: String, args: String) -> AsyncTask<EngineTask<RegistryWork>> {
    AsyncTask::new(EngineTask::new(RegistryWork { op, dir, args }))
}
