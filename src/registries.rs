//! registries.d: where containers/image reads simple signatures from (`lookaside`) and whether it
//! reads cosign signatures attached to the registry (`use-sigstore-attachments`), per docker
//! scope. See `containers-registries.d(5)`.
//!
//! The configuration is a set of YAML documents (one per `*.yaml` file of the directory, in file
//! name order). Like containers/image, unknown keys are ignored, and a `docker` scope or the
//! `default-docker` section defined by two files is an error. Lookup goes from the image's
//! identity through its repository and parent namespaces to `*.` wildcards
//! ([`docker_scopes`](crate::policy::scope::docker_scopes)), then `default-docker`; a section
//! that does not set a key passes the question on to the next one, as containers/image does.
//!
//! Parsing goes through yaml-rust2's event parser with a small tree builder of our own, which
//! refuses aliases (YAML's "billion laughs" would otherwise expand in memory) and caps the
//! input and the nesting depth.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::policy::scope::docker_scopes;
use crate::reference::Reference;

/// The code of a [`RegistriesError`] where it crosses into JavaScript.
pub const CODE: &str = "REGISTRIES_INVALID";

/// The largest registries.d file read, as containers/image has no limit but nobody writes more.
pub const MAX_FILE_BYTES: usize = 1 << 20;
const MAX_DEPTH: usize = 32;

/// A registries.d file that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistriesError {
    /// The file (as named by the caller).
    pub file: String,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RegistriesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "registries.d file {}: {}", self.file, self.reason)
    }
}

impl core::error::Error for RegistriesError {}

/// One `docker` scope's (or `default-docker`'s) settings. Unset keys are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Section {
    lookaside: Option<String>,
    use_sigstore_attachments: Option<bool>,
}

/// Where the signatures of one image are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureStorage {
    /// The lookaside base URL, if one is configured.
    pub lookaside: Option<String>,
    /// Whether cosign signatures attached to the registry (`sha256-<hex>.sig`) are read.
    pub use_sigstore_attachments: bool,
}

/// A merged registries.d configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registries {
    default_docker: Option<Section>,
    docker: Vec<(String, Section)>,
}

impl Registries {
    /// Parses and merges registries.d files, given as `(name, contents)` in the order they are
    /// read (file name order).
    ///
    /// # Errors
    ///
    /// A file that is not YAML, too large, uses aliases, has a value of the wrong type, or
    /// defines a scope (or `default-docker`) that an earlier file defined.
    pub fn parse<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RegistriesError> {
        let mut out = Registries::default();
        for (name, text) in files {
            let err = |reason: String| RegistriesError {
                file: String::from(name),
                reason,
            };
            if text.len() > MAX_FILE_BYTES {
                return Err(err(format!("larger than {MAX_FILE_BYTES} bytes")));
            }
            let Some(root) = load(text).map_err(err)? else {
                continue;
            };
            let Node::Map(entries) = root.value else {
                return Err(err(at(root.mark, "the document is not a mapping")));
            };
            for (key, value) in entries {
                match key.as_str() {
                    "default-docker" => {
                        let section = section(&value).map_err(err)?;
                        if out.default_docker.is_some() {
                            return Err(err(String::from(
                                "default-docker is defined by more than one file",
                            )));
                        }
                        out.default_docker = section;
                    }
                    "docker" => {
                        let scopes = match value.value {
                            Node::Null => continue,
                            Node::Map(scopes) => scopes,
                            _ => return Err(err(at(value.mark, "docker must be a mapping"))),
                        };
                        for (scope, value) in scopes {
                            let section = section(&value).map_err(err)?.unwrap_or_default();
                            if out.docker.iter().any(|(s, _)| *s == scope) {
                                return Err(err(format!(
                                    "docker scope {scope} is defined more than once"
                                )));
                            }
                            out.docker.push((scope, section));
                        }
                    }
                    // Unknown keys are ignored, as containers/image does.
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// Where the signatures of `reference` are read from.
    pub fn lookup(&self, reference: &Reference) -> SignatureStorage {
        let sections: Vec<&Section> = docker_scopes(reference)
            .iter()
            .filter_map(|scope| {
                self.docker
                    .iter()
                    .find(|(s, _)| s == scope)
                    .map(|(_, section)| section)
            })
            .chain(self.default_docker.as_ref())
            .collect();
        SignatureStorage {
            lookaside: sections.iter().find_map(|s| s.lookaside.clone()),
            use_sigstore_attachments: sections
                .iter()
                .find_map(|s| s.use_sigstore_attachments)
                .unwrap_or(false),
        }
    }
}

/// A section's settings from its YAML value (`None` for an empty value).
fn section(value: &Spanned) -> Result<Option<Section>, String> {
    let entries = match &value.value {
        Node::Null => return Ok(None),
        Node::Map(entries) => entries,
        _ => return Err(at(value.mark, "a registries.d section must be a mapping")),
    };
    let mut section = Section::default();
    let mut deprecated = None;
    for (key, value) in entries {
        match key.as_str() {
            "lookaside" => section.lookaside = string(value)?,
            "sigstore" => deprecated = string(value)?,
            "use-sigstore-attachments" => section.use_sigstore_attachments = boolean(value)?,
            // lookaside-staging / sigstore-staging are where signatures are written: never read.
            _ => {}
        }
    }
    // `sigstore` is the old name of `lookaside`, read only when the new one is absent.
    if section.lookaside.is_none() {
        section.lookaside = deprecated;
    }
    Ok(Some(section))
}

/// A string setting: any scalar's text, as Go's YAML decoder gives a string field; empty or
/// null means unset.
fn string(value: &Spanned) -> Result<Option<String>, String> {
    match &value.value {
        Node::Null => Ok(None),
        Node::Scalar(s, _) if s.is_empty() => Ok(None),
        Node::Scalar(s, _) => Ok(Some(s.clone())),
        _ => Err(at(value.mark, "expected a string")),
    }
}

/// A boolean setting, with the spellings Go's YAML decoder accepts for a bool field.
fn boolean(value: &Spanned) -> Result<Option<bool>, String> {
    match &value.value {
        Node::Null => Ok(None),
        Node::Scalar(s, true) => match s.as_str() {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
                Ok(Some(true))
            }
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
            | "N" => Ok(Some(false)),
            _ => Err(at(value.mark, "expected true or false")),
        },
        _ => Err(at(value.mark, "expected true or false")),
    }
}

fn at(mark: Marker, what: &str) -> String {
    format!("line {}, column {}: {what}", mark.line(), mark.col() + 1)
}

/// A YAML node: what registries.d needs of YAML's data model.
#[derive(Debug)]
enum Node {
    /// A scalar's text, and whether it was plain (unquoted), which decides whether it may be a
    /// boolean.
    Scalar(String, bool),
    Seq,
    /// Keys are scalars; a mapping with another kind of key is refused.
    Map(Vec<(String, Spanned)>),
    Null,
}

#[derive(Debug)]
struct Spanned {
    value: Node,
    mark: Marker,
}

/// Builds the tree of the first document from yaml-rust2's events.
#[derive(Default)]
struct Builder {
    /// Open collections: the node, where it started, and for a mapping the key awaiting its
    /// value.
    stack: Vec<(Spanned, Option<String>)>,
    root: Option<Spanned>,
    documents: usize,
    error: Option<String>,
}

impl Builder {
    fn fail(&mut self, mark: Marker, what: &str) {
        if self.error.is_none() {
            self.error = Some(at(mark, what));
        }
    }

    fn push_value(&mut self, node: Spanned) {
        let Some((parent, key)) = self.stack.last_mut() else {
            if self.root.is_none() && self.documents == 1 {
                self.root = Some(node);
            }
            return;
        };
        match &mut parent.value {
            Node::Seq => {}
            Node::Map(entries) => match key.take() {
                Some(k) => {
                    if entries.iter().any(|(e, _)| *e == k) {
                        let what = format!("the key {k} appears twice in one mapping");
                        self.fail(node.mark, &what);
                        return;
                    }
                    entries.push((k, node));
                }
                None => match node.value {
                    Node::Scalar(s, _) => *key = Some(s),
                    Node::Null => *key = Some(String::new()),
                    _ => self.fail(node.mark, "a mapping key must be a scalar"),
                },
            },
            _ => {}
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match event {
            Event::DocumentStart => self.documents += 1,
            Event::Alias(_) => self.fail(mark, "YAML aliases are not supported in registries.d"),
            Event::Scalar(text, style, _, tag) => {
                let plain = style == TScalarStyle::Plain && tag.is_none();
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Node::Null
                } else {
                    Node::Scalar(text, plain)
                };
                self.push_value(Spanned { value, mark });
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.fail(mark, "nested too deeply");
                    return;
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Node::Seq
                } else {
                    Node::Map(Vec::new())
                };
                self.stack.push((Spanned { value, mark }, None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

/// The first document of `text`, or `None` for an empty file.
fn load(text: &str) -> Result<Option<Spanned>, String> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, true)
        .map_err(|e| format!("not valid YAML: {e}"))?;
    if let Some(e) = builder.error {
        return Err(e);
    }
    if builder.documents > 1 {
        return Err(String::from("more than one YAML document in one file"));
    }
    Ok(builder.root.and_then(|r| match r.value {
        Node::Null => None,
        _ => Some(r),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn reference(s: &str) -> Reference {
        Reference::parse_normalized(s).unwrap()
    }

    fn storage(files: &[(&str, &str)], image: &str) -> SignatureStorage {
        Registries::parse(files.iter().copied())
            .unwrap()
            .lookup(&reference(image))
    }

    #[test]
    fn most_specific_scope_then_parents_then_default() {
        let yaml = "
default-docker:
  lookaside: https://default.example/sigs
docker:
  registry.example/team:
    lookaside: https://team.example/sigs
  registry.example/team/app:
    use-sigstore-attachments: true
  registry.example:
    lookaside: https://registry.example/sigs
    use-sigstore-attachments: false
";
        let files = [("a.yaml", yaml)];
        // The app's own section sets no lookaside: its parent namespace's is used.
        let app = storage(&files, "registry.example/team/app:1");
        assert_eq!(app.lookaside.as_deref(), Some("https://team.example/sigs"));
        assert!(app.use_sigstore_attachments);
        let other = storage(&files, "registry.example/other/app:1");
        assert_eq!(
            other.lookaside.as_deref(),
            Some("https://registry.example/sigs")
        );
        assert!(!other.use_sigstore_attachments);
        let elsewhere = storage(&files, "quay.io/x/y");
        assert_eq!(
            elsewhere.lookaside.as_deref(),
            Some("https://default.example/sigs")
        );
        assert!(!elsewhere.use_sigstore_attachments);
    }

    #[test]
    fn wildcards_and_identity_scopes() {
        let files = [(
            "w.yaml",
            "docker:\n  '*.example.com':\n    use-sigstore-attachments: yes\n  docker.io/library/busybox:1.36:\n    sigstore: file:///old\n",
        )];
        assert!(storage(&files, "quay.example.com/a/b").use_sigstore_attachments);
        assert!(!storage(&files, "example.com/a/b").use_sigstore_attachments);
        // The deprecated key is read when `lookaside` is absent; identity scopes match the tag.
        assert_eq!(
            storage(&files, "busybox:1.36").lookaside.as_deref(),
            Some("file:///old")
        );
        assert_eq!(storage(&files, "busybox:1.37").lookaside, None);
    }

    #[test]
    fn lookaside_wins_over_sigstore_and_files_merge() {
        let files = [
            (
                "a.yaml",
                "docker:\n  r.example/a:\n    lookaside: https://new\n    sigstore: https://old\n",
            ),
            (
                "b.yaml",
                "docker:\n  r.example/b:\n    lookaside: https://b\n",
            ),
            ("empty.yaml", ""),
            ("comment.yaml", "# nothing here\n"),
        ];
        assert_eq!(
            storage(&files, "r.example/a").lookaside.as_deref(),
            Some("https://new")
        );
        assert_eq!(
            storage(&files, "r.example/b").lookaside.as_deref(),
            Some("https://b")
        );
    }

    #[test]
    fn unknown_keys_are_ignored_and_staging_is_not_read() {
        let files = [(
            "a.yaml",
            "future: 1\ndocker:\n  r.example:\n    lookaside-staging: file:///tmp/s\n    other: x\n",
        )];
        assert_eq!(storage(&files, "r.example/a").lookaside, None);
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[
                    ("a.yaml", "docker:\n  r.example: {}\n"),
                    ("b.yaml", "docker:\n  r.example:\n"),
                ],
                "docker scope r.example is defined more than once",
            ),
            (
                &[
                    ("a.yaml", "default-docker: {}\n"),
                    ("b.yaml", "default-docker:\n  lookaside: x\n"),
                ],
                "default-docker is defined by more than one file",
            ),
            (
                &[("a.yaml", "docker: [1, 2]\n")],
                "docker must be a mapping",
            ),
            (&[("a.yaml", "- 1\n")], "the document is not a mapping"),
            (
                &[(
                    "a.yaml",
                    "docker:\n  r:\n    use-sigstore-attachments: maybe\n",
                )],
                "expected true or false",
            ),
            (
                &[(
                    "a.yaml",
                    "docker:\n  r:\n    use-sigstore-attachments: 'true'\n",
                )],
                "expected true or false",
            ),
            (
                &[("a.yaml", "docker:\n  r:\n    lookaside: [a]\n")],
                "expected a string",
            ),
            (&[("a.yaml", "docker: {a: 1\n")], "not valid YAML"),
            (&[("a.yaml", "a: 1\na: 2\n")], "the key a appears twice"),
            (
                &[("a.yaml", "x: &a [1]\ny: *a\n")],
                "YAML aliases are not supported",
            ),
            (
                &[("a.yaml", "a: 1\n---\nb: 2\n")],
                "more than one YAML document",
            ),
        ];
        for (files, expected) in cases {
            let err = Registries::parse(files.iter().copied()).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "{files:?}: {err} should say {expected}"
            );
        }
        let err =
            Registries::parse([("a.yaml", "docker:\n  r:\n    lookaside: [a]\n")]).unwrap_err();
        assert_eq!(err.file, "a.yaml");
        assert!(err.reason.starts_with("line 3, column"), "{err}");
    }

    #[test]
    fn deep_nesting_and_large_files_are_refused() {
        let deep = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        let err = Registries::parse([("d.yaml", deep.as_str())]).unwrap_err();
        assert!(err.reason.contains("nested too deeply"), "{err}");
        let big = "#".repeat(MAX_FILE_BYTES + 1);
        let err = Registries::parse([("b.yaml", big.as_str())]).unwrap_err();
        assert!(err.reason.contains("larger than"), "{err}");
    }
}
