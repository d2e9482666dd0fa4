//! The committed C header must equal the one cbindgen generates from the sources.

use std::path::Path;

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/llmwire.h"));

#[test]
fn committed_header_matches_generated_header() {
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/llmwire.h");
    if std::env::var_os("LLMWIRE_BLESS").is_some() {
        std::fs::write(&committed_path, GENERATED).expect("include/llmwire.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == GENERATED,
        "include/llmwire.h differs from the header generated from the sources.\n\
         Review the change, then refresh it with: make bless-header"
    );
}
