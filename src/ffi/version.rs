//! Version queries and the self-test that proves the panic boundary.

use std::ffi::c_char;

use super::error::LlmwireError;
use super::status::Status;
use super::{guard, guard_value};

static VERSION_C: &std::ffi::CStr = {
    match std::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the crate version contains a NUL byte"),
    }
};

/// The library's version, e.g. "0.1.0", as a static string (never free it).
///
/// Compare it with `LLMWIRE_VERSION` to detect a header/library mismatch. Thread-safety: safe from
/// any thread. Never fails.
#[no_mangle]
pub extern "C" fn llmwire_version() -> *const c_char {
    guard_value(c"".as_ptr(), || VERSION_C.as_ptr())
}

/// The library's C ABI version. A program compiled against this header should check that it equals
/// `LLMWIRE_ABI_VERSION` before calling anything else. Thread-safety: safe from any thread.
#[no_mangle]
pub extern "C" fn llmwire_abi_version() -> u32 {
    guard_value(0, || crate::ABI_VERSION)
}

/// Test hook: panics inside the library, behind the panic boundary.
///
/// It exists so that tests (and cautious integrators) can see that a panic never crosses into C:
/// the call returns `LLMWIRE_STATUS_PANIC` and, when `err` is not NULL, writes an error object of
/// class "panic" that the caller frees with `llmwire_error_free`. Has no other effect. Thread-safety:
/// safe from any thread.
#[no_mangle]
pub extern "C" fn llmwire_debug_panic(err: *mut *mut LlmwireError) -> Status {
    guard(err, || panic!("llmwire_debug_panic was called"))
}
