//! `reject`: denies every image.

use alloc::format;
use alloc::vec::Vec;

use super::{Context, RequirementOutcome};
use crate::error::Code;

pub(super) fn evaluate(ctx: &Context<'_>) -> RequirementOutcome {
    RequirementOutcome::deny(
        "reject",
        Vec::new(),
        Code::RejectedByPolicy,
        format!("Running image {} is rejected by policy.", ctx.image),
    )
}
