//! `insecureAcceptAnything`: allows any image. It never makes a signature trusted.

use alloc::vec::Vec;

use super::{Context, RequirementOutcome};

pub(super) fn evaluate(_ctx: &Context<'_>) -> RequirementOutcome {
    RequirementOutcome::allow("insecureAcceptAnything", Vec::new())
}
