//! Writing a policy back as JSON with every key file inlined (`sigwall policy embed`, and the
//! policy compiled into the wasm modules): a self-contained policy that needs no file system.

use crate::error::quoted;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    KeySource, Policy, Requirement, SignedIdentity, SigstoreTrust, Subject, TrustedRootSource,
};
use crate::error::PolicyError;
use crate::json::write_string;

impl Policy {
    /// Every file path the policy names (`keyPath`, `keyPaths`, `rekorPublicKeyPath(s)`,
    /// `caPath`, `caRootsPath`, `caIntermediatesPath`), each once, in document order.
    pub fn key_paths(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in self.all_requirements() {
            for source in r.key_sources() {
                for p in source.paths() {
                    if !out.contains(&p.as_str()) {
                        out.push(p);
                    }
                }
            }
        }
        out
    }

    /// The policy as JSON, with every path replaced by the contents `read` returns for it
    /// (`keyPath` → `keyData`, `keyPaths` → `keyDatas` for sigstoreSigned; for signedBy, whose
    /// grammar has no `keyDatas`, the keyrings of `keyPaths` are concatenated into one `keyData`,
    /// which trusts the same keys).
    ///
    /// # Errors
    ///
    /// [`PolicyError`] naming the first path `read` could not supply.
    pub fn to_json_inlined(
        &self,
        read: &dyn Fn(&str) -> Option<Vec<u8>>,
    ) -> Result<String, PolicyError> {
        let mut w = Writer {
            out: String::new(),
            read,
        };
        w.out.push_str("{\"default\":");
        w.requirements(&self.default)?;
        if !self.transports.is_empty() {
            w.out.push_str(",\"transports\":{");
            for (i, (name, scopes)) in self.transports.iter().enumerate() {
                if i > 0 {
                    w.out.push(',');
                }
                write_string(&mut w.out, name);
                w.out.push_str(":{");
                for (j, (scope, reqs)) in scopes.iter().enumerate() {
                    if j > 0 {
                        w.out.push(',');
                    }
                    write_string(&mut w.out, scope);
                    w.out.push(':');
                    w.requirements(reqs)?;
                }
                w.out.push('}');
            }
            w.out.push('}');
        }
        w.out.push('}');
        Ok(w.out)
    }
}

struct Writer<'r> {
    out: String,
    read: &'r dyn Fn(&str) -> Option<Vec<u8>>,
}

impl Writer<'_> {
    fn file(&self, path: &str) -> Result<Vec<u8>, PolicyError> {
        (self.read)(path).ok_or_else(|| PolicyError {
            path: String::from(path),
            message: format!("cannot read key file {}", quoted(path)),
        })
    }

    fn base64(&mut self, bytes: &[u8]) {
        let encoded = <base64ct::Base64 as base64ct::Encoding>::encode_string(bytes);
        write_string(&mut self.out, &encoded);
    }

    fn member(&mut self, key: &str) {
        if !self.out.ends_with('{') {
            self.out.push(',');
        }
        write_string(&mut self.out, key);
        self.out.push(':');
    }

    /// `<single>Data` / `<plural>Datas` for a key source whose field names start with `stem`.
    fn source(
        &mut self,
        stem: &str,
        source: &KeySource,
        plural_allowed: bool,
    ) -> Result<(), PolicyError> {
        let datas: Vec<Vec<u8>> = match source {
            KeySource::Data(d) => alloc::vec![d.clone()],
            KeySource::Datas(ds) => ds.clone(),
            KeySource::Path(p) => alloc::vec![self.file(p)?],
            KeySource::Paths(ps) => ps.iter().map(|p| self.file(p)).collect::<Result<_, _>>()?,
        };
        let single = matches!(source, KeySource::Data(_) | KeySource::Path(_));
        if single || !plural_allowed {
            self.member(&format!("{stem}Data"));
            let joined: Vec<u8> = datas.concat();
            self.base64(&joined);
        } else {
            self.member(&format!("{stem}Datas"));
            self.out.push('[');
            for (i, d) in datas.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.base64(d);
            }
            self.out.push(']');
        }
        Ok(())
    }

    fn requirements(&mut self, reqs: &[Requirement]) -> Result<(), PolicyError> {
        self.out.push('[');
        for (i, r) in reqs.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.requirement(r)?;
        }
        self.out.push(']');
        Ok(())
    }

    fn requirement(&mut self, r: &Requirement) -> Result<(), PolicyError> {
        self.out.push_str("{\"type\":");
        write_string(&mut self.out, r.type_name());
        match r {
            Requirement::InsecureAcceptAnything | Requirement::Reject => {}
            Requirement::SignedBy(s) => {
                self.member("keyType");
                write_string(&mut self.out, s.key_type.as_str());
                self.source("key", &s.keys, false)?;
                self.identity("signedIdentity", &s.signed_identity);
            }
            Requirement::SigstoreSigned(s) => {
                match &s.trust {
                    SigstoreTrust::Keys(k) => self.source("key", k, true)?,
                    SigstoreTrust::Fulcio(f) => {
                        self.member("fulcio");
                        self.out.push('{');
                        if let Some(ca) = &f.ca {
                            self.source("ca", ca, false)?;
                        }
                        self.member("oidcIssuer");
                        write_string(&mut self.out, &f.oidc_issuer);
                        let (key, value) = match &f.subject {
                            Subject::Email(e) => ("subjectEmail", e.as_str()),
                            Subject::Uri(u) => ("subjectURI", u.as_str()),
                            Subject::Pattern(p) => ("subjectRegExp", p.as_str()),
                        };
                        self.member(key);
                        write_string(&mut self.out, value);
                        self.out.push('}');
                    }
                    SigstoreTrust::Pki(p) => {
                        self.member("pki");
                        self.out.push('{');
                        self.source("caRoots", &p.ca_roots, false)?;
                        if let Some(i) = &p.ca_intermediates {
                            self.source("caIntermediates", i, false)?;
                        }
                        for (key, value) in [
                            ("subjectEmail", &p.subject_email),
                            ("subjectHostname", &p.subject_hostname),
                        ] {
                            if let Some(v) = value {
                                self.member(key);
                                write_string(&mut self.out, v);
                            }
                        }
                        self.out.push('}');
                    }
                }
                if let Some(rekor) = &s.rekor {
                    self.source("rekorPublicKey", rekor, true)?;
                }
                match &s.trusted_root {
                    None => {}
                    Some(TrustedRootSource::PublicGood) => {
                        self.member("trustedRoot");
                        write_string(&mut self.out, "public-good");
                    }
                    Some(TrustedRootSource::File(f)) => self.source("trustedRoot", f, false)?,
                }
                if s.accept_bundles {
                    self.member("acceptBundles");
                    self.out.push_str("true");
                }
                self.identity("signedIdentity", &s.signed_identity);
            }
            Requirement::SignedBaseLayer {
                base_layer_identity,
            } => {
                self.identity("baseLayerIdentity", base_layer_identity);
            }
        }
        self.out.push('}');
        Ok(())
    }

    fn identity(&mut self, key: &str, identity: &SignedIdentity) {
        self.member(key);
        self.out.push_str("{\"type\":");
        write_string(&mut self.out, identity.type_name());
        match identity {
            SignedIdentity::ExactReference { docker_reference } => {
                self.member("dockerReference");
                write_string(&mut self.out, docker_reference);
            }
            SignedIdentity::ExactRepository { docker_repository } => {
                self.member("dockerRepository");
                write_string(&mut self.out, docker_repository);
            }
            SignedIdentity::RemapIdentity {
                prefix,
                signed_prefix,
            } => {
                self.member("prefix");
                write_string(&mut self.out, prefix);
                self.member("signedPrefix");
                write_string(&mut self.out, signed_prefix);
            }
            _ => {}
        }
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests;
