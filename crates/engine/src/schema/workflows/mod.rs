//! One file per workflow, each declaring its `SCHEMA`.

pub mod ai_mastering;
pub mod ai_memory;
pub mod budget_alerts;
pub mod freestyle;
pub mod live_vocal_analysis;
pub mod melody_to_vocals;
pub mod stem_separation;
pub mod voice_commands;
