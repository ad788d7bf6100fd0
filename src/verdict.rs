//! The verdict: whether an image may be used, and the reason behind every requirement. The same
//! JSON everywhere (JavaScript, `sigwall verify --json`, the gate's deny body, the panel).

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Code;
use crate::json::write_string;

/// The decision on one image.
///
/// WARNING: an `allowed` verdict covers the manifest it names (`digest`) and, through it, the
/// digests of the config and layers that manifest lists. The blobs themselves must still be
/// checked against those digests as they are downloaded (`blobGuard` does this).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Whether every requirement allowed the image.
    pub allowed: bool,
    /// The image, in transport syntax (`docker://docker.io/library/busybox:latest`).
    pub image: String,
    /// The digest of the manifest the policy was evaluated on, when one was evaluated.
    pub digest: Option<String>,
    /// The policy scope that applied: a scope key, `""` (the transport default) or `default`.
    pub scope: String,
    /// Each requirement of that scope, in policy order.
    pub requirements: Vec<RequirementReport>,
    /// Why the image is denied (empty when allowed), first denial first.
    pub reasons: Vec<Reason>,
}

/// The outcome of one requirement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequirementReport {
    /// The requirement's `type` in policy.json.
    pub type_name: &'static str,
    /// Whether it allowed the image.
    pub allowed: bool,
    /// Every signature it considered (empty for requirements that check none).
    pub signatures: Vec<SignatureReport>,
}

/// A signature format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFormat {
    /// OpenPGP "simple signing" (`atomic container signature`).
    SimpleSigning,
    /// A cosign/sigstore signature (`cosign container image signature` payload).
    Cosign,
    /// A Sigstore bundle found through referrers (not verified yet).
    SigstoreBundle,
}

impl SignatureFormat {
    /// The name used in the verdict JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureFormat::SimpleSigning => "simple-signing",
            SignatureFormat::Cosign => "cosign",
            SignatureFormat::SigstoreBundle => "sigstore-bundle",
        }
    }
}

/// What a requirement decided about one signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The signature satisfies the requirement.
    Accepted,
    /// The signature does not (the code and message say why).
    Rejected,
}

impl Outcome {
    /// The name used in the verdict JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Rejected => "rejected",
        }
    }
}

/// One signature as a requirement saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureReport {
    /// The signature's format.
    pub format: SignatureFormat,
    /// Where it was found (`lookaside`, `registry-extension`, `cosign-tag`, `referrers`, `dir`,
    /// `oci-layout`, …), as the host reported it.
    pub source: String,
    /// Accepted or rejected.
    pub outcome: Outcome,
    /// Why it was rejected.
    pub code: Option<Code>,
    /// The rejection in words, in containers/image's wording where it has one.
    pub message: Option<String>,
    /// The key that made it, when known (an OpenPGP primary-key fingerprint, or a key's
    /// SHA-256 SPKI fingerprint).
    pub key: Option<String>,
    /// The identity (docker reference) it claims, when it verified far enough to read it.
    pub identity: Option<String>,
    /// Who a certificate says signed it and when a log recorded it (keyless signatures), once
    /// the certificate verified.
    pub signer: Option<Signer>,
}

/// A keyless signature's signer, from its verified certificate and log entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Signer {
    /// The certificate's identities: e-mail SANs, then URI SANs.
    pub identities: Vec<String>,
    /// The OIDC issuer Fulcio recorded, when the certificate has one.
    pub issuer: Option<String>,
    /// The transparency log entry, when one was verified.
    pub log: Option<LogEntry>,
    /// The RFC 3161 timestamps that verified (Sigstore bundles).
    pub timestamps: Vec<Timestamp>,
}

/// A verified RFC 3161 timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    /// Its time (`genTime`), seconds since the epoch: a time the certificate was checked at.
    pub time: i64,
    /// The timestamp authority's URI in the trusted root.
    pub authority: String,
}

#[cfg(feature = "keyless")]
impl Signer {
    /// Writes the signer as a JSON object: `{identities, issuer, log: {id, index,
    /// integratedTime | null} | null, timestamps: [{time, authority}]}`.
    pub(crate) fn write_json(&self, out: &mut String) {
        out.push_str("{\"identities\":[");
        for (i, id) in self.identities.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, id);
        }
        out.push_str("],\"issuer\":");
        write_opt(out, self.issuer.as_deref());
        out.push_str(",\"log\":");
        match &self.log {
            Some(log) => {
                out.push_str("{\"id\":");
                write_string(out, &log.log_id);
                out.push_str(&alloc::format!(
                    ",\"index\":{},\"integratedTime\":",
                    log.log_index
                ));
                match log.integrated_time {
                    Some(t) => out.push_str(&alloc::format!("{t}}}")),
                    None => out.push_str("null}"),
                }
            }
            None => out.push_str("null"),
        }
        out.push_str(",\"timestamps\":[");
        for (i, t) in self.timestamps.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&alloc::format!("{{\"time\":{},\"authority\":", t.time));
            write_string(out, &t.authority);
            out.push('}');
        }
        out.push_str("]}");
    }
}

/// A verified transparency log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The log's ID (hex SHA-256 of its key).
    pub log_id: String,
    /// The entry's index in the log.
    pub log_index: i64,
    /// When the log integrated it, seconds since the epoch (a time the certificate was checked
    /// at), when the log vouched for one: Rekor v2 entries carry none, their time comes from
    /// RFC 3161 timestamps.
    pub integrated_time: Option<i64>,
}

/// A reason for a denial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// A stable code.
    pub code: Code,
    /// The reason in words, in containers/image's wording where it has one.
    pub message: String,
}

impl Verdict {
    /// The verdict as JSON, with exactly the fields of the public contract.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("{\"allowed\":");
        out.push_str(bool_str(self.allowed));
        out.push_str(",\"image\":");
        write_string(&mut out, &self.image);
        out.push_str(",\"digest\":");
        write_opt(&mut out, self.digest.as_deref());
        out.push_str(",\"scope\":");
        write_string(&mut out, &self.scope);
        out.push_str(",\"requirements\":[");
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"type\":");
            write_string(&mut out, r.type_name);
            out.push_str(",\"allowed\":");
            out.push_str(bool_str(r.allowed));
            out.push_str(",\"signatures\":[");
            for (j, s) in r.signatures.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                s.write_json(&mut out);
            }
            out.push_str("]}");
        }
        out.push_str("],\"reasons\":[");
        for (i, r) in self.reasons.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"code\":");
            write_string(&mut out, r.code.as_str());
            out.push_str(",\"message\":");
            write_string(&mut out, &r.message);
            out.push('}');
        }
        out.push_str("]}");
        out
    }
}

impl SignatureReport {
    fn write_json(&self, out: &mut String) {
        out.push_str("{\"format\":");
        write_string(out, self.format.as_str());
        out.push_str(",\"source\":");
        write_string(out, &self.source);
        out.push_str(",\"outcome\":");
        write_string(out, self.outcome.as_str());
        out.push_str(",\"code\":");
        write_opt(out, self.code.map(Code::as_str));
        out.push_str(",\"message\":");
        write_opt(out, self.message.as_deref());
        out.push_str(",\"key\":");
        write_opt(out, self.key.as_deref());
        out.push_str(",\"identity\":");
        write_opt(out, self.identity.as_deref());
        // Only the keyless code fills it in; the core module does without the writer.
        #[cfg(feature = "keyless")]
        if let Some(signer) = &self.signer {
            out.push_str(",\"signer\":");
            signer.write_json(out);
        }
        out.push('}');
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn write_opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => write_string(out, s),
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests;
