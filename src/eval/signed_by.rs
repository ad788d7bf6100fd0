//! `signedBy`: an OpenPGP "simple signing" signature by a trusted key, claiming an acceptable
//! identity for the exact manifest evaluated.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{rejected, summarize, Context, RequirementOutcome};
use crate::error::Code;
use crate::policy::{KeyType, SignedBy};
use crate::verdict::{SignatureFormat, SignatureReport};

pub(super) fn evaluate(requirement: &SignedBy, ctx: &Context<'_>) -> RequirementOutcome {
    let mut reports: Vec<SignatureReport> = Vec::new();
    let mut other_formats = 0usize;
    for candidate in ctx.signatures {
        if candidate.format != SignatureFormat::SimpleSigning {
            other_formats += 1;
            continue;
        }
        let report = if requirement.key_type != KeyType::GpgKeys {
            rejected(
                candidate,
                Code::Unsupported,
                format!("Unimplemented keyType {:?}", requirement.key_type.as_str()),
            )
        } else {
            // The OpenPGP mechanism arrives with signature verification; until then no
            // signature can be accepted, and saying so is the only honest answer.
            rejected(
                candidate,
                Code::Unsupported,
                String::from("OpenPGP signature verification is not available in this build"),
            )
        };
        reports.push(report);
    }
    let skipped = if other_formats > 0 {
        format!(" ({other_formats} signatures of other formats)")
    } else {
        String::new()
    };
    summarize("signedBy", reports, &skipped)
}
