//! Nothing here: the suites are in `tests/`. Run them with
//! `cargo test -p sigwall-wasm-tests --target wasm32-unknown-unknown` (Node), and again with
//! `WASM_BINDGEN_USE_BROWSER=1` (headless Chromium).
