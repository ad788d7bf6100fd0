//! registries.d YAML on arbitrary text: a typed error or a configuration, never a panic, and a
//! lookup on whatever parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigwall::registries::Registries;
use sigwall::Reference;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    // The same text as one file, and split into two files at a form feed.
    let files: Vec<(&str, &str)> = match text.split_once('\u{c}') {
        Some((a, b)) => vec![("a.yaml", a), ("b.yaml", b)],
        None => vec![("a.yaml", text)],
    };
    if let Ok(config) = Registries::parse(files) {
        for image in ["registry.example/team/app:1", "busybox", "quay.example.com/x/y@sha256:0000000000000000000000000000000000000000000000000000000000000000"] {
            if let Ok(r) = Reference::parse_normalized(image) {
                let _ = config.lookup(&r);
            }
        }
    }
});
