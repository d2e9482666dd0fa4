//! `llmwire_validate`: the validator over the C ABI.
