//! `signedBaseLayer`: containers/image parses it but never implemented it, and denies.

use alloc::string::String;
use alloc::vec::Vec;

use super::{Context, RequirementOutcome};
use crate::error::Code;

pub(super) fn evaluate(_ctx: &Context<'_>) -> RequirementOutcome {
    RequirementOutcome::deny(
        "signedBaseLayer",
        Vec::new(),
        Code::Unsupported,
        String::from("signedBaseLayer not implemented yet!"),
    )
}
