//! Embeds the policy the wasm modules enforce by default.
//!
//! `npm run build -- --policy FILE` validates FILE, inlines its key files, and points
//! `SIGWALL_EMBEDDED_POLICY` at the result; without it the embedded policy rejects everything.
//! The policy is validated again when the module starts using it (`embeddedPolicy`), and by the
//! build right after compiling.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a build script reports failure by panicking"
)]

use std::env;
use std::fs;
use std::path::PathBuf;

const REJECT_ALL: &str = r#"{"default":[{"type":"reject"}]}"#;

fn main() {
    println!("cargo:rerun-if-env-changed=SIGWALL_EMBEDDED_POLICY");
    let policy = match env::var_os("SIGWALL_EMBEDDED_POLICY") {
        Some(path) if !path.is_empty() => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            match fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => panic!(
                    "cannot read SIGWALL_EMBEDDED_POLICY {}: {e}",
                    path.display()
                ),
            }
        }
        _ => REJECT_ALL.to_owned(),
    };
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("embedded-policy.json"), policy).expect("OUT_DIR is writable");
}
