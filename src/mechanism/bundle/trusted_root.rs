//! `trusted_root.json` (cosign.md §3): the keys of transparency logs and CT logs, and the
//! certificate authorities and timestamp authorities of a Sigstore instance, each with the
//! window (`validFor`) in which it may vouch for something.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use sha2::Digest as _;

use super::proto::{self, Malformed};
use crate::json::{self, Object, Value};
use crate::mechanism::cosign::CosignKey;

/// Trusted roots larger than this are refused unread (public-good's is about 7 KiB).
const MAX_TRUSTED_ROOT_BYTES: usize = 1024 * 1024;

const MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.1+json",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
];

/// When something may be used: from `start`, to `end` if it has one (seconds since the epoch,
/// both included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The first second.
    pub start: i64,
    /// The last second, if the window is closed.
    pub end: Option<i64>,
}

impl Window {
    /// Whether `at` is inside the window.
    pub fn contains(&self, at: i64) -> bool {
        self.start <= at && self.end.is_none_or(|end| at <= end)
    }
}

/// A log's key (a Rekor log or a CT log).
#[derive(Debug)]
pub struct LogKey {
    /// SHA-256 of the key's SubjectPublicKeyInfo, as the root states it.
    pub key_id: Vec<u8>,
    /// The log's key.
    pub key: CosignKey,
    /// The log's URL.
    pub base_url: String,
    /// When the key may have signed.
    pub valid_for: Window,
}

/// A certificate authority (Fulcio) or timestamp authority.
#[derive(Debug)]
pub struct Authority {
    /// Its URI.
    pub uri: String,
    /// Its certificates, DER, the issuing one first and the root last.
    pub chain: Vec<Vec<u8>>,
    /// When it may have issued.
    pub valid_for: Window,
}

impl Authority {
    /// Its chain as a path validation pool: the last certificate the one root, the others
    /// intermediates (`None` for an empty chain).
    pub fn pool(&self) -> Option<crate::mechanism::x509::Pool> {
        let (anchor, intermediates) = self.chain.split_last()?;
        Some(crate::mechanism::x509::Pool {
            roots: alloc::vec![anchor.clone()],
            intermediates: intermediates.to_vec(),
        })
    }
}

/// A parsed `trusted_root.json`.
#[derive(Debug)]
pub struct TrustedRoot {
    /// Rekor logs.
    pub tlogs: Vec<LogKey>,
    /// Certificate transparency logs.
    pub ctlogs: Vec<LogKey>,
    /// Fulcio certificate authorities.
    pub certificate_authorities: Vec<Authority>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<Authority>,
    /// `sha256:<hex>` of the file's bytes: which root decided.
    pub digest: String,
}

fn window(obj: &Object, path: &str) -> Result<Window, Malformed> {
    let Some(valid_for) = proto::optional(obj, "validFor") else {
        return Err(format!("{path}.validFor is missing"));
    };
    let path = format!("{path}.validFor");
    let valid_for = proto::as_object(valid_for, &path)?;
    let time = |key: &str| -> Result<Option<i64>, Malformed> {
        proto::optional_string(valid_for, key, &path)?
            .map(|t| {
                proto::timestamp(t).ok_or_else(|| format!("{path}.{key} is not an RFC 3339 time"))
            })
            .transpose()
    };
    Ok(Window {
        start: time("start")?.ok_or_else(|| format!("{path}.start is missing"))?,
        end: time("end")?,
    })
}

fn log_key(value: &Value, path: &str) -> Result<Option<LogKey>, Malformed> {
    let obj = proto::as_object(value, path)?;
    let public_key = proto::object(obj, "publicKey", path)?;
    let key_path = format!("{path}.publicKey");
    let key_id = proto::bytes(proto::object(obj, "logId", path)?, "keyId", path)?;
    let raw = proto::bytes(public_key, "rawBytes", &key_path)?;
    // A key of a type this build cannot verify is left out, as an unknown key would be: it
    // can vouch for nothing here.
    let Ok(key) = CosignKey::from_spki_der(&raw) else {
        return Ok(None);
    };
    Ok(Some(LogKey {
        key_id,
        key,
        base_url: String::from(proto::optional_string(obj, "baseUrl", path)?.unwrap_or("")),
        valid_for: window(public_key, &key_path)?,
    }))
}

fn authority(value: &Value, path: &str) -> Result<Authority, Malformed> {
    let obj = proto::as_object(value, path)?;
    let chain_path = format!("{path}.certChain");
    let chain = proto::array(
        proto::object(obj, "certChain", path)?,
        "certificates",
        &chain_path,
    )?
    .iter()
    .enumerate()
    .map(|(i, c)| {
        let p = format!("{chain_path}.certificates[{i}]");
        proto::bytes(proto::as_object(c, &p)?, "rawBytes", &p)
    })
    .collect::<Result<Vec<_>, _>>()?;
    if chain.is_empty() {
        return Err(format!("{chain_path} has no certificates"));
    }
    Ok(Authority {
        uri: String::from(proto::optional_string(obj, "uri", path)?.unwrap_or("")),
        chain,
        valid_for: window(obj, path)?,
    })
}

/// The Sigstore public-good instance's trusted root, as its TUF repository
/// (tuf-repo-cdn.sigstore.dev) served it when it last changed there on 2025-10-21: Fulcio's two
/// CAs, Rekor v1 and the 2025 Rekor v2 log, the two CT logs and the timestamp authority. Copied
/// from sigstore-python 4.5.1, which ships it as its offline seed. A caller passes a fresher one
/// when keys rotate.
pub const PUBLIC_GOOD: &[u8] = include_bytes!("public-good-trusted-root.json");

impl TrustedRoot {
    /// The public-good instance's trusted root ([`PUBLIC_GOOD`]).
    ///
    /// # Errors
    ///
    /// None in practice: the snapshot is checked by the tests.
    pub fn public_good() -> Result<TrustedRoot, String> {
        TrustedRoot::parse(PUBLIC_GOOD)
    }

    /// Parses a `trusted_root.json`.
    ///
    /// # Errors
    ///
    /// A message naming what is malformed.
    pub fn parse(bytes: &[u8]) -> Result<TrustedRoot, String> {
        let value =
            json::parse(bytes, MAX_TRUSTED_ROOT_BYTES).map_err(|e| format!("trusted root: {e}"))?;
        let root = proto::as_object(&value, "trusted root")?;
        let path = "trustedRoot";
        let media_type = proto::string(root, "mediaType", path)?;
        if !MEDIA_TYPES.contains(&media_type) {
            return Err(format!(
                "trusted root: unsupported media type {}",
                crate::error::quoted(&crate::error::excerpt(media_type))
            ));
        }
        let logs = |key: &str| -> Result<Vec<LogKey>, Malformed> {
            let mut out = Vec::new();
            for (i, v) in proto::array(root, key, path)?.iter().enumerate() {
                out.extend(log_key(v, &format!("{path}.{key}[{i}]"))?);
            }
            Ok(out)
        };
        let authorities = |key: &str| -> Result<Vec<Authority>, Malformed> {
            proto::array(root, key, path)?
                .iter()
                .enumerate()
                .map(|(i, v)| authority(v, &format!("{path}.{key}[{i}]")))
                .collect()
        };
        Ok(TrustedRoot {
            tlogs: logs("tlogs")?,
            ctlogs: logs("ctlogs")?,
            certificate_authorities: authorities("certificateAuthorities")?,
            timestamp_authorities: authorities("timestampAuthorities")?,
            digest: format!(
                "sha256:{}",
                base16ct::lower::encode_string(&sha2::Sha256::digest(bytes))
            ),
        })
    }

    /// The transparency log whose key ID is `key_id`.
    pub fn tlog(&self, key_id: &[u8]) -> Option<&LogKey> {
        self.tlogs.iter().find(|l| l.key_id == key_id)
    }
}
