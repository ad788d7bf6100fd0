//! Docker schema 1 manifests with JWS signatures ("pretty signatures", libtrust): their digest
//! is taken over the manifest without the signatures, as registries and containers/image take
//! it. Each signature's protected header says how many leading bytes of the manifest were
//! signed (`formatLength`) and what closing text replaces the signatures (`formatTail`); the
//! signed payload is those bytes followed by that text. Every signature must say the same.
//! (The JWS signatures themselves are not verified: nothing trusts them, as in
//! containers/image.)

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::json::{self, Number, Value};

/// Why a signed schema 1 manifest cannot be reduced to its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Schema1Error(pub(crate) &'static str);

fn base64url(s: &str) -> Option<Vec<u8>> {
    // JOSE base64url, padding omitted (libtrust tolerates it present). Decoded as standard
    // base64 after mapping the alphabet, so the module carries one base64 decoder, not two.
    let s = s.trim_end_matches('=');
    if s.contains(['+', '/']) {
        return None;
    }
    let mut standard: String = s
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while standard.len() % 4 != 0 {
        standard.push('=');
    }
    <base64ct::Base64 as base64ct::Encoding>::decode_vec(&standard).ok()
}

/// The bytes a manifest's digest is computed over: the manifest itself, or for a signed
/// schema 1 manifest (`schemaVersion` 1 with a `signatures` member) its JWS payload.
///
/// # Errors
///
/// [`Schema1Error`] for a signed schema 1 manifest whose signatures do not describe a payload.
pub(crate) fn digest_input<'a>(
    manifest: &'a [u8],
    parsed: &Value,
) -> Result<Cow<'a, [u8]>, Schema1Error> {
    let Value::Object(obj) = parsed else {
        return Ok(Cow::Borrowed(manifest));
    };
    let schema1 = matches!(
        obj.get("schemaVersion"),
        Some(Value::Number(Number::Unsigned(1) | Number::Signed(1)))
    );
    let Some(signatures) = obj.get("signatures").filter(|_| schema1) else {
        return Ok(Cow::Borrowed(manifest));
    };
    let Value::Array(signatures) = signatures else {
        return Err(Schema1Error("schema 1 signatures are not a list"));
    };
    let mut format: Option<(usize, Vec<u8>)> = None;
    for signature in signatures {
        let Value::Object(signature) = signature else {
            return Err(Schema1Error("a schema 1 signature is not an object"));
        };
        let Some(Value::String(protected)) = signature.get("protected") else {
            return Err(Schema1Error("a schema 1 signature has no protected header"));
        };
        let header = base64url(protected)
            .and_then(|h| json::parse(&h, 64 * 1024).ok())
            .ok_or(Schema1Error(
                "a schema 1 protected header is not base64url JSON",
            ))?;
        // libtrust decodes the header with Go's encoding/json: "FormatLength" would be its
        // formatLength, and the last of two would win.
        if header
            .go_folded_key(&["formatLength", "formatTail"], &[])
            .is_some()
        {
            return Err(Schema1Error(
                "a schema 1 protected header has a member Go would read as formatLength or formatTail",
            ));
        }
        let Value::Object(header) = header else {
            return Err(Schema1Error("a schema 1 protected header is not an object"));
        };
        let length = match header.get("formatLength") {
            Some(Value::Number(Number::Unsigned(n))) => usize::try_from(*n).ok(),
            Some(Value::Number(Number::Signed(n))) => usize::try_from(*n).ok(),
            _ => None,
        }
        .ok_or(Schema1Error(
            "a schema 1 signature has no valid formatLength",
        ))?;
        let Some(Value::String(tail)) = header.get("formatTail") else {
            return Err(Schema1Error("a schema 1 signature has no formatTail"));
        };
        let tail = base64url(tail).ok_or(Schema1Error("a schema 1 formatTail is not base64url"))?;
        match &format {
            None => format = Some((length, tail)),
            Some(first) if *first == (length, tail) => {}
            Some(_) => return Err(Schema1Error("schema 1 signatures disagree on the payload")),
        }
    }
    let (length, tail) = format.ok_or(Schema1Error(
        "a signed schema 1 manifest without signatures",
    ))?;
    let (head, rest) = manifest.split_at_checked(length).ok_or(Schema1Error(
        "schema 1 formatLength is past the end of the manifest",
    ))?;
    // What follows the signed bytes is the signatures member and then exactly formatTail, as
    // libtrust writes it. Anything else there (another "fsLayers", say) would be read by a
    // JSON decoder of the whole manifest and yet not be covered by the digest.
    if !is_signatures_then_tail(rest, &tail) {
        return Err(Schema1Error(
            "a signed schema 1 manifest holds more than its signatures after formatLength",
        ));
    }
    let mut payload = Vec::with_capacity(length + tail.len());
    payload.extend_from_slice(head);
    payload.extend_from_slice(&tail);
    Ok(Cow::Owned(payload))
}

/// Whether `rest` is `, "signatures": [ … ]` (whitespace allowed around each token) followed
/// by exactly `tail`.
fn is_signatures_then_tail(rest: &[u8], tail: &[u8]) -> bool {
    fn token<'a>(s: &'a [u8], t: &[u8]) -> Option<&'a [u8]> {
        s.trim_ascii_start().strip_prefix(t)
    }
    let Some(members) = rest.strip_suffix(tail) else {
        return false;
    };
    let value = token(members, b",")
        .and_then(|s| token(s, b"\"signatures\""))
        .and_then(|s| token(s, b":"));
    matches!(
        value.map(|v| json::parse(v, v.len().max(1))),
        Some(Ok(Value::Array(_)))
    )
}

impl core::fmt::Display for Schema1Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Digest;
    use crate::policy::Policy;
    use crate::session::{NeedKind, Session, UnixTime};
    use alloc::format;
    use alloc::string::{String, ToString};

    const MANIFEST: &[u8] = include_bytes!("../fixtures/schema1/manifest.json");
    const PAYLOAD_DIGEST: &str = include_str!("../fixtures/schema1/payload.digest");
    const BYTES_DIGEST: &str = include_str!("../fixtures/schema1/bytes.digest");

    fn input(bytes: &[u8]) -> Result<Vec<u8>, Schema1Error> {
        let parsed = json::parse(bytes, 1 << 22).unwrap();
        digest_input(bytes, &parsed).map(Cow::into_owned)
    }

    #[test]
    fn a_skopeo_signed_schema1_manifest_digests_as_skopeo_says() {
        let payload = input(MANIFEST).unwrap();
        assert_eq!(Digest::sha256(&payload).to_string(), PAYLOAD_DIGEST.trim());
        assert_ne!(Digest::sha256(MANIFEST).to_string(), PAYLOAD_DIGEST.trim());
        assert_eq!(Digest::sha256(MANIFEST).to_string(), BYTES_DIGEST.trim());
    }

    #[test]
    fn other_manifests_digest_as_they_are() {
        for m in [
            &br#"{"schemaVersion":2,"layers":[]}"#[..],
            br#"{"schemaVersion":1,"name":"x"}"#,
            br#"{"schemaVersion":2,"signatures":[]}"#,
        ] {
            assert_eq!(input(m).unwrap(), m);
        }
    }

    /// The first signature's protected header, as it stands in the manifest (base64url).
    fn protected(text: &str) -> &str {
        text.split("\"protected\":\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
    }

    #[test]
    fn malformed_jws_headers_are_errors() {
        let text = String::from_utf8(MANIFEST.to_vec()).unwrap();
        let protected = protected(&text);
        let header = |h: &str| {
            <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string(h.as_bytes())
        };
        for replacement in [
            header(r#"{"formatLength":999999,"formatTail":"fQ"}"#),
            header(r#"{"formatLength":-1,"formatTail":"fQ"}"#),
            header(r#"{"formatTail":"fQ"}"#),
            header(r#"{"formatLength":10}"#),
            header(r#"{"formatLength":10,"formatTail":"!!"}"#),
            String::from("not base64 at all!"),
        ] {
            let changed = text.replace(protected, &replacement);
            assert!(input(changed.as_bytes()).is_err(), "{replacement}");
        }
        // Two signatures that disagree about the payload.
        let sig_start = text.find("\"signatures\":[").unwrap() + "\"signatures\":[".len();
        let sig_end = text.rfind("]}").unwrap();
        let one = &text[sig_start..sig_end];
        let other = one.replace(
            protected,
            &header(r#"{"formatLength":10,"formatTail":"fQ"}"#),
        );
        let two = format!("{}{one},{other}]}}", &text[..sig_start]);
        assert!(input(two.as_bytes()).is_err());
        let same_twice = format!("{}{one},{one}]}}", &text[..sig_start]);
        assert_eq!(
            input(same_twice.as_bytes()).unwrap(),
            input(MANIFEST).unwrap()
        );
        let none = format!("{}]}}", &text[..sig_start]);
        assert!(input(none.as_bytes()).is_err());
    }

    /// Members between the signed bytes and the signatures are read by podman's JSON decoder
    /// but not covered by the digest; bytes after formatTail likewise.
    #[test]
    fn only_the_signatures_and_format_tail_may_follow_the_signed_bytes() {
        let text = String::from_utf8(MANIFEST.to_vec()).unwrap();
        let at = text.find(",\"signatures\":").unwrap();
        let smuggled = format!("{},\"extra\":[1]{}", &text[..at], &text[at..]);
        assert_eq!(
            input(smuggled.as_bytes()).unwrap_err().0,
            "a signed schema 1 manifest holds more than its signatures after formatLength"
        );
        let trailing = format!("{text}\n");
        assert!(input(trailing.as_bytes()).is_err());
        // Whitespace between the tokens, as libtrust's indented form has it, is fine.
        let spaced = text.replacen(",\"signatures\":", ",\n   \"signatures\": ", 1);
        assert_eq!(input(spaced.as_bytes()).unwrap(), input(MANIFEST).unwrap());
    }

    /// Go's JSON decoder would read "FSLayers" (or "fſLayers") as fsLayers: such a manifest is
    /// invalid rather than read differently from podman.
    #[test]
    fn members_go_would_fold_onto_a_field_make_the_manifest_invalid() {
        let policy = Policy::parse(br#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();
        let text = String::from_utf8(MANIFEST.to_vec()).unwrap();
        for spelling in ["FSLayers", "fſLayers", "fsLayerS", "SchemaVersion"] {
            let at = text.find("\"signatures\":").unwrap();
            let changed = format!("{}\"{spelling}\":[],{}", &text[..at], &text[at..]);
            let mut s = Session::new(&policy, "registry.example/app:1", UnixTime(0)).unwrap();
            let need = s.next_need().unwrap();
            let err = s.provide(need.id, changed.as_bytes()).unwrap_err();
            assert_eq!(err.code().as_str(), "MANIFEST_INVALID", "{spelling}");
            assert!(err.to_string().contains(spelling), "{err}");
        }
        // Inside an index entry too, and not inside annotations (a map, matched exactly).
        let index = |entry_extra: &str, annotations: &str| {
            format!(
                r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":10,"platform":{{"architecture":"amd64","os":"linux"}}{entry_extra}}}],"annotations":{{{annotations}}}}}"#,
                "a".repeat(64)
            )
        };
        let run = |bytes: String| {
            let mut s = Session::new(&policy, "registry.example/app:1", UnixTime(0)).unwrap();
            let need = s.next_need().unwrap();
            s.provide(need.id, bytes.as_bytes())
        };
        assert_eq!(
            run(index(r#","Digest":"sha256:00""#, ""))
                .unwrap_err()
                .code()
                .as_str(),
            "MANIFEST_INVALID"
        );
        assert!(run(index("", r#""Digest":"x","LAYERS":"y""#)).is_ok());
    }

    /// A signature's `Protected` beside its `protected`, and a protected header's
    /// `FormatLength` beside its `formatLength`: libtrust decodes both with Go's encoding/json,
    /// the last matching member winning. Each makes the manifest invalid rather than read two
    /// ways.
    #[test]
    fn jws_members_go_would_read_as_other_fields_make_the_manifest_invalid() {
        let policy = Policy::parse(br#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();
        let provide = |bytes: &[u8]| {
            let mut s = Session::new(&policy, "registry.example/app:1", UnixTime(0)).unwrap();
            let need = s.next_need().unwrap();
            s.provide(need.id, bytes)
        };
        let text = String::from_utf8(MANIFEST.to_vec()).unwrap();
        assert!(provide(text.as_bytes()).is_ok());
        let protected = protected(&text);
        // A second protected header, spelled so only Go reads it.
        let other = text.replacen(
            "\"protected\":",
            &format!("\"Protected\":\"{protected}\",\"protected\":"),
            1,
        );
        assert_eq!(
            provide(other.as_bytes()).unwrap_err().code().as_str(),
            "MANIFEST_INVALID"
        );
        // A header whose formatLength Go would take from "FormatLength".
        let b64 = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::encode_string;
        let header = String::from_utf8(
            <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(protected).unwrap(),
        )
        .unwrap();
        let doubled = header.replacen(
            "\"formatLength\":",
            "\"FormatLength\":1,\"formatLength\":",
            1,
        );
        assert_ne!(doubled, header);
        let folded = text.replacen(protected, &b64(doubled.as_bytes()), 1);
        assert_eq!(
            provide(folded.as_bytes()).unwrap_err().code().as_str(),
            "MANIFEST_INVALID"
        );
    }

    #[test]
    fn pulled_by_its_digest_a_schema1_manifest_is_that_image() {
        let policy = Policy::parse(br#"{"default":[{"type":"insecureAcceptAnything"}]}"#).unwrap();
        let run = |digest: &str| {
            let image = format!("registry.example/app@{}", digest.trim());
            let mut s = Session::new(&policy, &image, UnixTime(0)).unwrap();
            let need = s.next_need().unwrap();
            assert!(matches!(need.kind, NeedKind::Manifest { .. }));
            s.provide(need.id, MANIFEST)
        };
        assert!(run(PAYLOAD_DIGEST).is_ok());
        assert_eq!(
            run(BYTES_DIGEST).unwrap_err().code().as_str(),
            "DIGEST_MISMATCH"
        );
    }
}
