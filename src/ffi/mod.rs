//! The C ABI: conversions and the panic boundary, nothing else.
//!
//! Every exported function runs its body inside `guard` (or `guard_value`), so no panic ever
//! unwinds into C. Fallible functions return [`Status`] and write an owned `llmwire_error` to their
//! optional last parameter on failure; their out-parameters are written only on success. Logic lives
//! in the core; this module only checks pointers, converts strings and moves ownership.
//!
//! All `unsafe` code of the crate lives here (the crate root denies it elsewhere), apart from one
//! `setsockopt` call in the simulator (`mock::server`).
//!
//! The exported functions are `unsafe extern "C"`: their safety contract (which pointers may be
//! NULL, who owns what, for how long) is the doc comment that cbindgen copies into the header, so
//! it is written for C readers rather than as a Rust `# Safety` section.
#![allow(clippy::missing_safety_doc)]

pub mod async_call;
pub mod classify;
pub mod client;
pub mod error;
pub mod queue;
pub mod status;
pub mod trim;
pub mod validate;
pub mod version;

use std::ffi::{c_char, CStr, CString};
use std::panic::{self, AssertUnwindSafe};

use crate::error::ErrorObject;
use crate::taxonomy::ErrorClass;
use error::LlmwireError;
use status::Status;

// `llmwire_chunks_reply` exists for the header: `on_chunks` returns it to Rust as a plain integer,
// which the deliverer matches by number, so Rust never builds `Pause` or `Abort`. These are the
// numbers it matches.
const _: () = {
    use async_call::ChunksReply;
    assert!(ChunksReply::Continue as i32 == 0);
    assert!(ChunksReply::Pause as i32 == 1);
    assert!(ChunksReply::Abort as i32 == 2);
};

/// Runs a fallible export's body behind the panic boundary.
///
/// On failure (an error or a caught panic) writes a new error object to `*err` when `err` is not
/// NULL, and returns the matching status; on success leaves `*err` untouched.
pub(crate) fn guard<F>(err: *mut *mut LlmwireError, body: F) -> Status
where
    F: FnOnce() -> Result<(), ErrorObject>,
{
    let error = match panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return Status::Ok,
        Ok(Err(error)) => error,
        Err(payload) => panic_error(&*payload),
    };
    let status = Status::from(error.class());
    if !err.is_null() {
        let boxed = Box::into_raw(Box::new(LlmwireError::new(error)));
        // SAFETY: the caller passes either NULL (checked above) or a pointer to writable storage for
        // one `llmwire_error *`, as the header documents for every `err` parameter.
        unsafe { *err = boxed };
    }
    status
}

/// The shape shared by the exports that read JSON text and hand back JSON text (`llmwire_classify`,
/// `llmwire_validate`, `llmwire_trim`, `llmwire_error_to_json`), behind [`guard`].
///
/// Steps, in this order so every export reports the same first problem: `read` borrows and checks
/// the arguments; `*out` must not be NULL (`invalid_argument` naming `out_name`); `compute` turns
/// the arguments into the JSON text, which goes to `*out` as a string for `llmwire_string_free`.
///
/// # Safety
/// `out` is NULL or points to writable storage for one `char *`; `err` as for [`guard`].
pub(crate) unsafe fn json_export<A>(
    err: *mut *mut LlmwireError,
    read: impl FnOnce() -> Result<A, ErrorObject>,
    out: *mut *mut c_char,
    out_name: &str,
    compute: impl FnOnce(A) -> Result<String, ErrorObject>,
) -> Status {
    guard(err, || {
        let args = read()?;
        require_out(out, out_name)?;
        let json = compute(args)?;
        // SAFETY: checked non-NULL above; writable per this function's contract.
        unsafe { write_string(out, json) };
        Ok(())
    })
}

/// Runs an infallible export's body behind the panic boundary, returning `fallback` on a panic.
pub(crate) fn guard_value<T, F: FnOnce() -> T>(fallback: T, body: F) -> T {
    panic::catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// The error object reporting a caught panic.
pub(crate) fn panic_error(payload: &(dyn std::any::Any + Send)) -> ErrorObject {
    ErrorObject::local(
        ErrorClass::Panic,
        format!(
            "llmwire panicked (please report this bug): {}",
            panic_message(payload)
        ),
    )
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "a non-text panic payload"
    }
}

/// Borrows a C string argument as UTF-8, naming the parameter when it is NULL or not UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, ErrorObject> {
    if ptr.is_null() {
        return Err(invalid_argument(format!("{name} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per this function's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        invalid_argument(format!(
            "{name} is not valid UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })
}

/// Borrows an optional C string argument: NULL gives `None`; otherwise as [`arg_str`].
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn optional_arg_str<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, ErrorObject> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL here; the rest of the contract is this function's.
    unsafe { arg_str(ptr, name) }.map(Some)
}

/// Borrows the `request_json` and optional `options_json` arguments that `llmwire_validate` and
/// `llmwire_trim` share, in that order.
///
/// # Safety
/// Both are NULL or NUL-terminated strings that stay valid and unchanged for `'a`.
pub(crate) unsafe fn request_and_options<'a>(
    request_json: *const c_char,
    options_json: *const c_char,
) -> Result<(&'a str, Option<&'a str>), ErrorObject> {
    // SAFETY: per this function's contract.
    unsafe {
        Ok((
            arg_str(request_json, "request_json")?,
            optional_arg_str(options_json, "options_json")?,
        ))
    }
}

/// Takes back and drops an object handed to C with `Box::into_raw`. NULL is ignored.
///
/// # Safety
/// `object` is NULL or a pointer from `Box::into_raw::<T>` not freed before.
pub(crate) unsafe fn free_boxed<T>(object: *mut T) {
    if object.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: per this function's contract.
        drop(unsafe { Box::from_raw(object) });
    });
}

/// Fails with `invalid_argument` when a required out-parameter is NULL.
pub(crate) fn require_out<T>(ptr: *mut T, name: &str) -> Result<(), ErrorObject> {
    if ptr.is_null() {
        Err(invalid_argument(format!("{name} is NULL")))
    } else {
        Ok(())
    }
}

/// Hands `text` to C as a new string the caller frees with `llmwire_string_free`.
///
/// # Safety
/// `out` is non-NULL and points to writable storage for one `char *`.
pub(crate) unsafe fn write_string(out: *mut *mut c_char, text: String) {
    let raw = to_cstring(text).into_raw();
    // SAFETY: per this function's contract.
    unsafe { *out = raw };
}

/// Converts text to a C string; an interior NUL (possible in a server's message) becomes U+FFFD.
pub(crate) fn to_cstring(text: String) -> CString {
    CString::new(text).unwrap_or_else(|e| {
        let cleaned = String::from_utf8_lossy(&e.into_vec()).replace('\0', "\u{FFFD}");
        // Every NUL was just replaced, so this cannot fail; fall back to empty rather than panic.
        CString::new(cleaned).unwrap_or_default()
    })
}

fn invalid_argument(message: String) -> ErrorObject {
    ErrorObject::local(ErrorClass::InvalidArgument, message)
}

/// Frees a string returned by llmwire. NULL is ignored.
///
/// Ownership: takes back a `char *` that an llmwire function handed out (JSON results, rendered
/// errors); after the call the pointer is dangling. Never pass strings from elsewhere, and never
/// pass the borrowed `const char *` returned by accessors such as `llmwire_error_message`.
/// Thread-safety: safe from any thread.
#[no_mangle]
pub unsafe extern "C" fn llmwire_string_free(string: *mut c_char) {
    if string.is_null() {
        return;
    }
    guard_value((), || {
        // SAFETY: the caller returns a pointer created by `CString::into_raw` in `write_string`.
        drop(unsafe { CString::from_raw(string) });
    });
}

// Why a scan and not a macro that writes the exports: cbindgen makes the header from the source
// without expanding macros (its `parse.expand` needs a nightly compiler), so exports generated by
// a macro would vanish from the header. The exports are therefore written out, and this test is
// the structure that keeps them honest: it fails when an `extern "C" fn` lacks `#[no_mangle]`,
// is not `pub`, or does not reach the panic boundary, and when the header and the sources disagree
// on the list of exports.
#[cfg(test)]
mod boundary {
    use std::path::Path;

    /// The functions that open the panic boundary.
    const BOUNDARY: [&str; 3] = ["guard", "guard_value", "catch_unwind"];
    /// Helpers an export may delegate to instead; each must open the boundary itself.
    const DELEGATES: [&str; 5] = ["json_export", "free_boxed", "run_chat", "start", "submit"];

    /// Whether `body` calls the function `name` (not merely one whose name ends the same).
    fn calls(body: &str, name: &str) -> bool {
        body.match_indices(&format!("{name}(")).any(|(at, _)| {
            !body[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    }

    struct Export {
        file: String,
        name: String,
        no_mangle: bool,
        public: bool,
        body: String,
    }

    fn exports() -> Vec<Export> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                // Definitions start at column 0; callback types inside signatures are indented.
                let Some(at) = line.find("extern \"C\" fn ") else {
                    continue;
                };
                if line.starts_with(' ') || line.starts_with("//") {
                    continue;
                }
                let rest = &line[at + "extern \"C\" fn ".len()..];
                let name = rest[..rest.find('(').unwrap()].to_string();
                let mut attrs = lines[..i].iter().rev().take_while(|l| l.starts_with("#["));
                let no_mangle = attrs.any(|l| l.trim() == "#[no_mangle]");
                let end = i + lines[i..].iter().position(|l| *l == "}").unwrap();
                let open = i + lines[i..].iter().position(|l| l.ends_with('{')).unwrap();
                found.push(Export {
                    file: path.file_name().unwrap().to_string_lossy().into_owned(),
                    name,
                    no_mangle,
                    public: line.starts_with("pub "),
                    body: lines[open + 1..end].join("\n"),
                });
            }
        }
        found
    }

    fn function_body<'a>(text: &'a str, name: &str) -> Option<&'a str> {
        let start = ["(", "<"]
            .iter()
            .find_map(|next| text.find(&format!("fn {name}{next}")))?;
        let rest = &text[start..];
        Some(&rest[..rest.find("\n}\n")?])
    }

    #[test]
    fn every_export_is_unmangled_public_and_behind_the_panic_boundary() {
        let exports = exports();
        assert!(
            exports.len() > 30,
            "the scan found only {} exports",
            exports.len()
        );
        for export in &exports {
            let id = format!("{} in src/ffi/{}", export.name, export.file);
            assert!(export.no_mangle, "{id} lacks #[no_mangle]");
            assert!(export.public, "{id} is not pub");
            assert!(
                BOUNDARY
                    .iter()
                    .chain(&DELEGATES)
                    .any(|f| calls(&export.body, f)),
                "{id} does not reach the panic boundary (guard, guard_value, json_export, …)"
            );
        }
    }

    #[test]
    fn the_delegating_entries_open_the_boundary_themselves() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
        let all: String = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        for helper in DELEGATES {
            let body = function_body(&all, helper).unwrap_or_else(|| panic!("no fn {helper}"));
            assert!(
                BOUNDARY.iter().any(|f| calls(body, f)),
                "{helper} does not open the panic boundary"
            );
        }
    }

    #[test]
    fn the_header_declares_exactly_the_scanned_exports() {
        let header_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/llmwire.h");
        let header = std::fs::read_to_string(header_path).unwrap();
        let mut declared: Vec<String> = header
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '/']) && !l.starts_with("typedef"))
            .filter_map(|l| {
                let name = &l[..l.find('(')?];
                let name = name.rsplit([' ', '*']).next()?;
                name.starts_with("llmwire_").then(|| name.to_string())
            })
            .collect();
        let mut scanned: Vec<String> = exports().into_iter().map(|e| e.name).collect();
        declared.sort();
        scanned.sort();
        assert_eq!(declared, scanned);
    }
}
