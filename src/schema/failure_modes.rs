//! Failure mechanisms of the synthetic scenario generator, declared per
//! workflow beside its fields. (Filled in by the generator work.)

#[derive(Debug, Clone, Copy)]
pub struct FailureMode {
    pub name: &'static str,
}
