//! `sigstoreSigned`: a cosign-format signature by a trusted key (or certificate), claiming an
//! acceptable identity for the exact manifest evaluated.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{rejected, summarize, Context, RequirementOutcome};
use crate::error::Code;
use crate::policy::{SigstoreSigned, SigstoreTrust};
use crate::verdict::{SignatureFormat, SignatureReport};

pub(super) fn evaluate(requirement: &SigstoreSigned, ctx: &Context<'_>) -> RequirementOutcome {
    let mut reports: Vec<SignatureReport> = Vec::new();
    let mut non_sigstore = 0usize;
    for candidate in ctx.signatures {
        if candidate.format != SignatureFormat::Cosign {
            non_sigstore += 1;
            continue;
        }
        let message = match requirement.trust {
            SigstoreTrust::Fulcio(_) => "Fulcio (keyless) verification is not supported yet",
            SigstoreTrust::Pki(_) => "BYO-PKI certificate verification is not supported yet",
            SigstoreTrust::Keys(_) => {
                "cosign signature verification is not available in this build"
            }
        };
        reports.push(rejected(
            candidate,
            Code::Unsupported,
            String::from(message),
        ));
    }
    let skipped = if non_sigstore > 0 {
        format!(" ({non_sigstore} non-sigstore signatures, 0 sigstore non-signature attachments)")
    } else {
        String::new()
    };
    summarize("sigstoreSigned", reports, &skipped)
}
