//! The strict policy parser: walks the duplicate-free JSON model and builds a [`Policy`],
//! with containers/image's checks and, where it has them, its wording. The one seam where JSON
//! errors become [`PolicyError`]s.

use crate::error::quoted;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::identity::is_valid_remap_prefix;
#[cfg(feature = "extensions")]
use super::pattern::Pattern;
use super::scope::validate_scope;
use super::{
    Fulcio, KeySource, KeyType, Pki, Policy, Requirement, SignedBy, SignedIdentity, SigstoreSigned,
    SigstoreTrust, Subject, TrustedRootSource, MAX_POLICY_BYTES,
};
use crate::error::{excerpt, PolicyError};
use crate::json::{self, Object, ParseError, Path, Value};
use crate::reference::Reference;

type Result<T> = core::result::Result<T, PolicyError>;

fn fail(path: &Path, message: impl Into<String>) -> PolicyError {
    PolicyError {
        path: path.to_string(),
        message: message.into(),
    }
}

fn object<'v>(v: &'v Value, path: &Path) -> Result<&'v Object> {
    match v {
        Value::Object(o) => Ok(o),
        other => Err(fail(
            path,
            format!("JSON object expected, got {}", other.kind()),
        )),
    }
}

fn string<'v>(v: &'v Value, path: &Path) -> Result<&'v str> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(fail(
            path,
            format!("expected a string, got {}", other.kind()),
        )),
    }
}

fn array<'v>(v: &'v Value, path: &Path) -> Result<&'v [Value]> {
    match v {
        Value::Array(a) => Ok(a),
        other => Err(fail(
            path,
            format!("expected an array, got {}", other.kind()),
        )),
    }
}

fn strings(v: &Value, path: &Path) -> Result<Vec<String>> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, item)| string(item, &path.index(i)).map(String::from))
        .collect()
}

/// Standard base64 with padding, as Go's `[]byte` JSON decoding reads it (which skips `\r` and
/// `\n`).
fn base64(v: &Value, path: &Path) -> Result<Vec<u8>> {
    let text = string(v, path)?;
    let compact: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    <base64ct::Base64 as base64ct::Encoding>::decode_vec(&compact).map_err(|_| {
        fail(
            path,
            "illegal base64 data: expected standard base64 with padding",
        )
    })
}

fn base64s(v: &Value, path: &Path) -> Result<Vec<Vec<u8>>> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, item)| base64(item, &path.index(i)))
        .collect()
}

/// Every key of `obj` must be in `allowed`.
fn known_keys(obj: &Object, allowed: &[&str], path: &Path) -> Result<()> {
    match obj.unknown_key(allowed) {
        Some(key) => Err(fail(path, format!("Unknown key {}", quoted(&excerpt(key))))),
        None => Ok(()),
    }
}

/// The keys of `obj` must be exactly `fields`.
fn exact_keys(obj: &Object, fields: &[&str], path: &Path) -> Result<()> {
    known_keys(obj, fields, path)?;
    match fields.iter().find(|f| obj.get(f).is_none()) {
        Some(missing) => Err(fail(
            path,
            format!("Key {} missing in a JSON object", quoted(missing)),
        )),
        None => Ok(()),
    }
}

/// The `type` member, which must be a string (a missing one reads as "").
fn type_of<'v>(obj: &'v Object, path: &Path) -> Result<&'v str> {
    match obj.get("type") {
        Some(v) => string(v, &path.key("type")),
        None => Ok(""),
    }
}

pub(super) fn policy(input: &[u8]) -> Result<Policy> {
    let root = Path::root();
    let value = json::parse(input, MAX_POLICY_BYTES).map_err(|e| match e {
        ParseError::TooLarge { limit, found } => fail(
            &root,
            format!("the policy is {found} bytes; policies larger than {limit} bytes are refused"),
        ),
        ParseError::Syntax(message) => fail(&root, message),
    })?;
    let obj = object(&value, &root)?;
    known_keys(obj, &["default", "transports"], &root)?;
    let default = match obj.get("default") {
        Some(v) => requirements(v, &root.key("default"))?,
        None => return Err(fail(&root, "Default policy is missing")),
    };
    let mut transports = Vec::new();
    if let Some(v) = obj.get("transports") {
        let path = root.key("transports");
        for (name, scopes) in object(v, &path)?.iter() {
            let path = path.key(name);
            let mut parsed = Vec::new();
            for (scope, reqs) in object(scopes, &path)?.iter() {
                if !scope.is_empty() {
                    if let Err(reason) = validate_scope(name, scope) {
                        return Err(fail(
                            &path,
                            format!(
                                "Unknown key {} (invalid {name} scope: {reason})",
                                quoted(&excerpt(scope))
                            ),
                        ));
                    }
                }
                parsed.push((String::from(scope), requirements(reqs, &path.key(scope))?));
            }
            transports.push((String::from(name), parsed));
        }
    }
    Ok(Policy {
        default,
        transports,
        cache: super::cache::KeyCache::default(),
    })
}

fn requirements(v: &Value, path: &Path) -> Result<Vec<Requirement>> {
    let items = array(v, path)?;
    if items.is_empty() {
        return Err(fail(
            path,
            "List of verification policy requirements must not be empty",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| requirement(item, &path.index(i)))
        .collect()
}

fn requirement(v: &Value, path: &Path) -> Result<Requirement> {
    let obj = object(v, path)?;
    match type_of(obj, path)? {
        "insecureAcceptAnything" => {
            exact_keys(obj, &["type"], path)?;
            Ok(Requirement::InsecureAcceptAnything)
        }
        "reject" => {
            exact_keys(obj, &["type"], path)?;
            Ok(Requirement::Reject)
        }
        "signedBy" => signed_by(obj, path).map(Requirement::SignedBy),
        "sigstoreSigned" => sigstore_signed(obj, path).map(Requirement::SigstoreSigned),
        "signedBaseLayer" => {
            exact_keys(obj, &["type", "baseLayerIdentity"], path)?;
            let identity_path = path.key("baseLayerIdentity");
            let base_layer_identity = match obj.get("baseLayerIdentity") {
                Some(v) => signed_identity(v, &identity_path)?,
                None => return Err(fail(path, "baseLayerIdentity not specified")),
            };
            Ok(Requirement::SignedBaseLayer {
                base_layer_identity,
            })
        }
        other => Err(fail(
            path,
            format!(
                "Unknown policy requirement type {}",
                quoted(&excerpt(other))
            ),
        )),
    }
}

/// `signedIdentity` when present; `matchRepoDigestOrExact` when absent.
fn optional_identity(obj: &Object, path: &Path) -> Result<SignedIdentity> {
    match obj.get("signedIdentity") {
        Some(v) => signed_identity(v, &path.key("signedIdentity")),
        None => Ok(SignedIdentity::MatchRepoDigestOrExact),
    }
}

fn signed_by(obj: &Object, path: &Path) -> Result<SignedBy> {
    known_keys(
        obj,
        &[
            "type",
            "keyType",
            "keyPath",
            "keyPaths",
            "keyData",
            "signedIdentity",
        ],
        path,
    )?;
    let key_type = match obj.get("keyType") {
        None => return Err(fail(path, "invalid keyType \"\"")),
        Some(v) => match string(v, &path.key("keyType"))? {
            "GPGKeys" => KeyType::GpgKeys,
            "signedByGPGKeys" => KeyType::SignedByGpgKeys,
            "X509Certificates" => KeyType::X509Certificates,
            "signedByX509CAs" => KeyType::SignedByX509Cas,
            other => {
                return Err(fail(
                    &path.key("keyType"),
                    format!("Unrecognized keyType value {}", quoted(&excerpt(other))),
                ))
            }
        },
    };
    let signed_identity = optional_identity(obj, path)?;
    let present: Vec<&str> = ["keyPath", "keyPaths", "keyData"]
        .into_iter()
        .filter(|k| obj.get(k).is_some())
        .collect();
    let keys = match present.as_slice() {
        [] => return Err(fail(
            path,
            "Exactly one of keyPath, keyPaths and keyData must be specified, none of them present",
        )),
        ["keyPath"] => key_path(obj, "keyPath", path)?.ok_or_else(|| {
            fail(
                path,
                "exactly one of keyPath, keyPaths and keyData must be specified",
            )
        })?,
        // An empty list parses, and then trusts no key at all (as in containers/image).
        ["keyPaths"] => KeySource::Paths(strings(field(obj, "keyPaths"), &path.key("keyPaths"))?),
        ["keyData"] => KeySource::Data(base64(field(obj, "keyData"), &path.key("keyData"))?),
        _ => return Err(fail(
            path,
            "Exactly one of keyPath, keyPaths and keyData must be specified, more than one present",
        )),
    };
    Ok(SignedBy {
        key_type,
        keys,
        signed_identity,
    })
}

/// A member known to be present.
fn field<'v>(obj: &'v Object, key: &str) -> &'v Value {
    obj.get(key).unwrap_or(&Value::Null)
}

/// A path field: `None` when it is the empty string (containers/image treats `""` as absent).
fn key_path(obj: &Object, key: &str, path: &Path) -> Result<Option<KeySource>> {
    let p = string(field(obj, key), &path.key(key))?;
    Ok((!p.is_empty()).then(|| KeySource::Path(String::from(p))))
}

/// A non-empty list field (`keyPaths`, `keyDatas`, `rekorPublicKey*s` of sigstoreSigned).
fn non_empty<T>(items: Vec<T>, key: &str, path: &Path) -> Result<Vec<T>> {
    if items.is_empty() {
        Err(fail(
            &path.key(key),
            format!("{} contains no entries", quoted(key)),
        ))
    } else {
        Ok(items)
    }
}

fn sigstore_signed(obj: &Object, path: &Path) -> Result<SigstoreSigned> {
    known_keys(
        obj,
        &[
            "type",
            "keyPath",
            "keyPaths",
            "keyData",
            "keyDatas",
            "fulcio",
            "rekorPublicKeyPath",
            "rekorPublicKeyPaths",
            "rekorPublicKeyData",
            "rekorPublicKeyDatas",
            "pki",
            "signedIdentity",
            // sigwall extensions (podman refuses them: `policy check` says so).
            #[cfg(feature = "extensions")]
            "trustedRoot",
            #[cfg(feature = "extensions")]
            "trustedRootPath",
            #[cfg(feature = "extensions")]
            "trustedRootData",
            #[cfg(feature = "extensions")]
            "acceptBundles",
        ],
        path,
    )?;
    let signed_identity = optional_identity(obj, path)?;
    let (trusted_root, accept_bundles) = extension_trust(obj, path)?;
    let mut trust = Vec::new();
    if obj.get("keyPath").is_some() {
        if let Some(k) = key_path(obj, "keyPath", path)? {
            trust.push(SigstoreTrust::Keys(k));
        }
    }
    if let Some(v) = obj.get("keyPaths") {
        let p = path.key("keyPaths");
        trust.push(SigstoreTrust::Keys(KeySource::Paths(non_empty(
            strings(v, &p)?,
            "keyPaths",
            path,
        )?)));
    }
    if let Some(v) = obj.get("keyData") {
        trust.push(SigstoreTrust::Keys(KeySource::Data(base64(
            v,
            &path.key("keyData"),
        )?)));
    }
    if let Some(v) = obj.get("keyDatas") {
        let p = path.key("keyDatas");
        trust.push(SigstoreTrust::Keys(KeySource::Datas(non_empty(
            base64s(v, &p)?,
            "keyDatas",
            path,
        )?)));
    }
    if let Some(v) = obj.get("fulcio") {
        trust.push(SigstoreTrust::Fulcio(fulcio(
            v,
            &path.key("fulcio"),
            trusted_root.is_some(),
        )?));
    }
    if let Some(v) = obj.get("pki") {
        trust.push(SigstoreTrust::Pki(pki(v, &path.key("pki"))?));
    }
    let mut rekor = Vec::new();
    if obj.get("rekorPublicKeyPath").is_some() {
        if let Some(k) = key_path(obj, "rekorPublicKeyPath", path)? {
            rekor.push(k);
        }
    }
    if let Some(v) = obj.get("rekorPublicKeyPaths") {
        let p = path.key("rekorPublicKeyPaths");
        rekor.push(KeySource::Paths(non_empty(
            strings(v, &p)?,
            "rekorPublicKeyPaths",
            path,
        )?));
    }
    if let Some(v) = obj.get("rekorPublicKeyData") {
        rekor.push(KeySource::Data(base64(v, &path.key("rekorPublicKeyData"))?));
    }
    if let Some(v) = obj.get("rekorPublicKeyDatas") {
        let p = path.key("rekorPublicKeyDatas");
        rekor.push(KeySource::Datas(non_empty(
            base64s(v, &p)?,
            "rekorPublicKeyDatas",
            path,
        )?));
    }
    if trust.len() != 1 {
        return Err(fail(
            path,
            "exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified",
        ));
    }
    if rekor.len() > 1 {
        return Err(fail(path, "at most one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas can be used simultaneously"));
    }
    let trust = trust.pop().ok_or_else(|| fail(path, "no key source"))?;
    let rekor = rekor.pop();
    if trusted_root.is_some() {
        // The trusted root names the logs and the CAs: one source of trust, not two.
        if rekor.is_some() {
            return Err(fail(path, "rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas cannot be used with a trusted root, which names the transparency logs"));
        }
        if matches!(trust, SigstoreTrust::Pki(_)) {
            return Err(fail(path, "a trusted root cannot be used with pki"));
        }
    }
    match (&trust, &rekor) {
        (SigstoreTrust::Fulcio(_), None) if trusted_root.is_none() => Err(fail(path, "At least one of rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas must be specified if fulcio is used")),
        (SigstoreTrust::Pki(_), Some(_)) => Err(fail(path, "rekorPublicKeyPath, rekorPublicKeyPaths, rekorPublicKeyData and rekorPublicKeyDatas are not supported for pki")),
        _ => Ok(SigstoreSigned {
            trust,
            rekor,
            signed_identity,
            trusted_root,
            accept_bundles,
        }),
    }
}

/// The sigwall extension's requirement-level trust: a trusted root, and whether bundles count.
#[cfg(feature = "extensions")]
fn extension_trust(obj: &Object, path: &Path) -> Result<(Option<TrustedRootSource>, bool)> {
    let trusted_root = trusted_root(obj, path)?;
    let accept_bundles = match obj.get("acceptBundles") {
        None => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err(fail(
            &path.key("acceptBundles"),
            "acceptBundles must be true when present (omit it to refuse bundles, as podman does)",
        )),
    };
    if accept_bundles && trusted_root.is_none() {
        return Err(fail(
            path,
            "acceptBundles needs a trusted root (trustedRoot, trustedRootPath or trustedRootData)",
        ));
    }
    Ok((trusted_root, accept_bundles))
}

/// Without the extension (podman's grammar): neither.
#[cfg(not(feature = "extensions"))]
#[allow(
    clippy::unnecessary_wraps,
    reason = "the same shape as with the extension"
)]
fn extension_trust(_: &Object, _: &Path) -> Result<(Option<TrustedRootSource>, bool)> {
    Ok((None, false))
}

/// The sigwall extension `trustedRoot` (`"public-good"`), `trustedRootPath` or
/// `trustedRootData`: at most one.
#[cfg(feature = "extensions")]
fn trusted_root(obj: &Object, path: &Path) -> Result<Option<TrustedRootSource>> {
    let mut found = Vec::new();
    if let Some(v) = obj.get("trustedRoot") {
        let p = path.key("trustedRoot");
        if string(v, &p)? != "public-good" {
            return Err(fail(&p, "trustedRoot must be \"public-good\" (use trustedRootPath or trustedRootData for another root)"));
        }
        found.push(TrustedRootSource::PublicGood);
    }
    if obj.get("trustedRootPath").is_some() {
        match key_path(obj, "trustedRootPath", path)? {
            Some(k) => found.push(TrustedRootSource::File(k)),
            None => {
                return Err(fail(
                    &path.key("trustedRootPath"),
                    "trustedRootPath is empty",
                ))
            }
        }
    }
    if let Some(v) = obj.get("trustedRootData") {
        found.push(TrustedRootSource::File(KeySource::Data(base64(
            v,
            &path.key("trustedRootData"),
        )?)));
    }
    if found.len() > 1 {
        return Err(fail(
            path,
            "at most one of trustedRoot, trustedRootPath and trustedRootData can be used",
        ));
    }
    Ok(found.pop())
}

/// A `xPath` / `xData` pair of which exactly one must be present (`caData: ""` counts).
fn path_or_data(
    obj: &Object,
    path: &Path,
    path_key: &str,
    data_key: &str,
) -> Result<Option<KeySource>> {
    let from_path = match obj.get(path_key) {
        Some(_) => key_path(obj, path_key, path)?,
        None => None,
    };
    let from_data = match obj.get(data_key) {
        Some(v) => Some(KeySource::Data(base64(v, &path.key(data_key))?)),
        None => None,
    };
    match (from_path, from_data) {
        (Some(_), Some(_)) => Err(fail(
            path,
            format!("{path_key} and {data_key} cannot be used simultaneously"),
        )),
        (p, d) => Ok(p.or(d)),
    }
}

/// A required, non-empty string (`oidcIssuer`, `subjectEmail`).
fn required_string(obj: &Object, key: &str, path: &Path) -> Result<String> {
    let s = match obj.get(key) {
        Some(v) => string(v, &path.key(key))?,
        None => "",
    };
    if s.is_empty() {
        Err(fail(path, format!("{key} not specified")))
    } else {
        Ok(String::from(s))
    }
}

fn optional_string(obj: &Object, key: &str, path: &Path) -> Result<Option<String>> {
    match obj.get(key) {
        Some(v) => Ok(Some(String::from(string(v, &path.key(key))?)).filter(|s| !s.is_empty())),
        None => Ok(None),
    }
}

fn fulcio(v: &Value, path: &Path, trusted_root: bool) -> Result<Fulcio> {
    let obj = object(v, path)?;
    known_keys(
        obj,
        &[
            "caPath",
            "caData",
            "oidcIssuer",
            "subjectEmail",
            // sigwall extensions.
            #[cfg(feature = "extensions")]
            "subjectURI",
            #[cfg(feature = "extensions")]
            "subjectRegExp",
        ],
        path,
    )?;
    let ca = path_or_data(obj, path, "caPath", "caData")?;
    match (&ca, trusted_root) {
        (None, false) => {
            return Err(fail(
                path,
                "At least one of caPath and caData must be specified",
            ))
        }
        (Some(_), true) => {
            return Err(fail(
                path,
                "caPath and caData cannot be used with a trusted root, which names the Fulcio CAs",
            ))
        }
        _ => {}
    }
    let oidc_issuer = required_string(obj, "oidcIssuer", path)?;
    #[cfg(feature = "extensions")]
    let subject = fulcio_subject(obj, path)?;
    #[cfg(not(feature = "extensions"))]
    let subject = Subject::Email(required_string(obj, "subjectEmail", path)?);
    Ok(Fulcio {
        ca,
        oidc_issuer,
        subject,
    })
}

/// `subjectEmail`, or the extension's `subjectURI` or `subjectRegExp`: exactly one.
#[cfg(feature = "extensions")]
fn fulcio_subject(obj: &Object, path: &Path) -> Result<Subject> {
    let mut subjects = Vec::new();
    if obj.get("subjectURI").is_some() {
        subjects.push(Subject::Uri(required_string(obj, "subjectURI", path)?));
    }
    if let Some(v) = obj.get("subjectRegExp") {
        let p = path.key("subjectRegExp");
        let source = string(v, &p)?;
        let pattern = Pattern::new(source).map_err(|e| {
            fail(
                &p,
                format!("invalid subjectRegExp {}: {e}", quoted(&excerpt(source))),
            )
        })?;
        subjects.push(Subject::Pattern(pattern));
    }
    if obj.get("subjectEmail").is_some() || subjects.is_empty() {
        subjects.push(Subject::Email(required_string(obj, "subjectEmail", path)?));
    }
    if subjects.len() > 1 {
        return Err(fail(
            path,
            "only one of subjectEmail, subjectURI and subjectRegExp can be used",
        ));
    }
    subjects
        .pop()
        .ok_or_else(|| fail(path, "subjectEmail not specified"))
}

fn pki(v: &Value, path: &Path) -> Result<Pki> {
    let obj = object(v, path)?;
    known_keys(
        obj,
        &[
            "caRootsPath",
            "caRootsData",
            "caIntermediatesPath",
            "caIntermediatesData",
            "subjectEmail",
            "subjectHostname",
        ],
        path,
    )?;
    let ca_roots = path_or_data(obj, path, "caRootsPath", "caRootsData")?.ok_or_else(|| {
        fail(
            path,
            "At least one of caRootsPath and caRootsData must be specified",
        )
    })?;
    let ca_intermediates = path_or_data(obj, path, "caIntermediatesPath", "caIntermediatesData")?;
    let subject_email = optional_string(obj, "subjectEmail", path)?;
    let subject_hostname = optional_string(obj, "subjectHostname", path)?;
    if subject_email.is_none() && subject_hostname.is_none() {
        return Err(fail(
            path,
            "At least one of subjectEmail, subjectHostname must be specified",
        ));
    }
    Ok(Pki {
        ca_roots,
        ca_intermediates,
        subject_email,
        subject_hostname,
    })
}

fn signed_identity(v: &Value, path: &Path) -> Result<SignedIdentity> {
    let obj = object(v, path)?;
    let text = |key: &str| -> Result<&str> { string(field(obj, key), &path.key(key)) };
    match type_of(obj, path)? {
        "matchExact" => exact_keys(obj, &["type"], path).map(|()| SignedIdentity::MatchExact),
        "matchRepoDigestOrExact" => {
            exact_keys(obj, &["type"], path).map(|()| SignedIdentity::MatchRepoDigestOrExact)
        }
        "matchRepository" => {
            exact_keys(obj, &["type"], path).map(|()| SignedIdentity::MatchRepository)
        }
        "exactReference" => {
            exact_keys(obj, &["type", "dockerReference"], path)?;
            let docker_reference = text("dockerReference")?;
            let parsed = Reference::parse_normalized(docker_reference).map_err(|e| {
                fail(
                    &path.key("dockerReference"),
                    format!(
                        "Invalid format of dockerReference {}: {}",
                        quoted(&excerpt(docker_reference)),
                        e.reason
                    ),
                )
            })?;
            if parsed.is_name_only() {
                return Err(fail(
                    &path.key("dockerReference"),
                    format!(
                        "dockerReference {} contains neither a tag nor digest",
                        quoted(&excerpt(docker_reference))
                    ),
                ));
            }
            Ok(SignedIdentity::ExactReference {
                docker_reference: String::from(docker_reference),
            })
        }
        "exactRepository" => {
            exact_keys(obj, &["type", "dockerRepository"], path)?;
            let docker_repository = text("dockerRepository")?;
            Reference::parse_normalized(docker_repository).map_err(|e| {
                fail(
                    &path.key("dockerRepository"),
                    format!(
                        "Invalid format of dockerRepository {}: {}",
                        quoted(&excerpt(docker_repository)),
                        e.reason
                    ),
                )
            })?;
            Ok(SignedIdentity::ExactRepository {
                docker_repository: String::from(docker_repository),
            })
        }
        "remapIdentity" => {
            exact_keys(obj, &["type", "prefix", "signedPrefix"], path)?;
            let mut prefixes = ["prefix", "signedPrefix"].into_iter().map(|key| {
                let value = text(key)?;
                if is_valid_remap_prefix(value) {
                    Ok(String::from(value))
                } else {
                    Err(fail(
                        &path.key(key),
                        format!("prefix {} is not valid", quoted(&excerpt(value))),
                    ))
                }
            });
            let prefix = prefixes.next().unwrap_or_else(|| Ok(String::new()))?;
            let signed_prefix = prefixes.next().unwrap_or_else(|| Ok(String::new()))?;
            Ok(SignedIdentity::RemapIdentity {
                prefix,
                signed_prefix,
            })
        }
        other => Err(fail(
            path,
            format!(
                "Unknown policy reference match type {}",
                quoted(&excerpt(other))
            ),
        )),
    }
}
