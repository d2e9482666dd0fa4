"""Finding, loading and declaring the llmwire shared library.

This module is the only place that knows the C signatures. :data:`SIGNATURES` declares every
foreign function in the order of ``include/llmwire.h``; :func:`load` finds the library, binds
every signature and checks the ABI version. Nothing here knows about retries or error classes.

Discovery order (the first that loads wins):

1. ``LLMWIRE_LIB``: a path to the library file. When it is set, nothing else is tried, so a
   typo never silently loads some other build.
2. The copy inside this package: ``llmwire/libllmwire.so`` (``.dylib`` on macOS, ``llmwire.dll``
   on Windows), which ``pip install`` and the wheel put there (setup.py, docs/packaging.md).
3. The repository this package sits in (the nearest parent folder whose ``Cargo.toml`` names the
   package ``llmwire``): ``target/release``, then ``target/debug``.
"""

from __future__ import annotations

import ctypes
import os
import re
import sys
from ctypes import POINTER, c_char_p, c_int32, c_int64, c_uint32, c_void_p
from pathlib import Path
from typing import Any, NamedTuple, Optional

#: The C ABI version this binding was written for (``LLMWIRE_ABI_VERSION`` in the header).
ABI_VERSION = 1

#: The environment variable naming the library file.
LIB_ENV = "LLMWIRE_LIB"


class LibraryNotFound(ImportError):
    """The llmwire shared library could not be found or loaded.

    The message lists every path tried, why each failed, and how to fix it.
    """

    __module__ = "llmwire"  # raised while `llmwire` is importing: name it as users know it


class IncompatibleLibrary(ImportError):
    """A library was loaded, but its C ABI version is not the one this binding speaks."""

    __module__ = "llmwire"


# Opaque handle types: distinct pointer types, so ctypes refuses to pass one for another.
class ClientStruct(ctypes.Structure):
    """``llmwire_client`` (opaque)."""


class CancelStruct(ctypes.Structure):
    """``llmwire_cancel`` (opaque)."""


class ErrorStruct(ctypes.Structure):
    """``llmwire_error`` (opaque)."""


ClientPtr = POINTER(ClientStruct)
CancelPtr = POINTER(CancelStruct)
ErrorPtr = POINTER(ErrorStruct)
ErrorOut = POINTER(ErrorPtr)
#: An owned ``char *`` out-parameter: read as a raw address so it can be handed back to
#: ``llmwire_string_free`` (a ``c_char_p`` would copy the text and lose the pointer).
StringOut = POINTER(c_void_p)
Status = c_int32

#: ``llmwire_chunk_callback``: ``int32_t (*)(const char *chunk_json, void *user_data)``.
CHUNK_CALLBACK = ctypes.CFUNCTYPE(c_int32, c_char_p, c_void_p)
#: ``llmwire_event_callback``: ``void (*)(const char *event_json, void *user_data)``.
EVENT_CALLBACK = ctypes.CFUNCTYPE(None, c_char_p, c_void_p)
#: ``llmwire_done_callback``: ``void (*)(llmwire_call *call, llmwire_status status,
#: char *response_json, llmwire_error *error, void *user_data)``; the owned pointers arrive as
#: plain addresses so that they can be freed.
DONE_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_int32, c_void_p, c_void_p, c_void_p)
#: ``llmwire_chunks_callback``: ``int32_t (*)(llmwire_call *call, const char *chunks_json,
#: size_t count, void *user_data)``.
CHUNKS_CALLBACK = ctypes.CFUNCTYPE(c_int32, c_void_p, c_char_p, ctypes.c_size_t, c_void_p)
#: ``llmwire_interrupt_check``: ``int32_t (*)(void *user_data)``.
INTERRUPT_CHECK = ctypes.CFUNCTYPE(c_int32, c_void_p)


class Signature(NamedTuple):
    """One foreign function: its name, result type, argument types, and whether it may be absent."""

    name: str
    restype: Any
    argtypes: tuple[Any, ...]
    optional: bool = False


# Every foreign function, in the order of include/llmwire.h. Owned `char *` results are
# `StringOut` (c_void_p) so they can be freed; borrowed `const char *` results are c_char_p.
# Optional entries are exports added after the first release: a library without one still loads,
# and the function that needs it raises NotImplementedError.
SIGNATURES: tuple[Signature, ...] = (
    Signature("llmwire_string_free", None, (c_void_p,)),
    Signature(
        "llmwire_chat_start",
        Status,
        (ClientPtr, c_char_p, DONE_CALLBACK, c_void_p, POINTER(c_void_p), ErrorOut),
    ),
    Signature(
        "llmwire_chat_stream_start",
        Status,
        (
            ClientPtr,
            c_char_p,
            ctypes.c_size_t,
            CHUNKS_CALLBACK,
            DONE_CALLBACK,
            c_void_p,
            POINTER(c_void_p),
            ErrorOut,
        ),
    ),
    Signature("llmwire_call_cancel", None, (c_void_p,)),
    Signature("llmwire_call_pause", None, (c_void_p,), optional=True),
    Signature("llmwire_call_resume", None, (c_void_p,)),
    Signature("llmwire_call_free", None, (c_void_p,)),
    Signature("llmwire_pool_set_max_threads", Status, (ctypes.c_size_t, ErrorOut)),
    Signature("llmwire_pool_max_threads", ctypes.c_size_t, ()),
    Signature("llmwire_classify", Status, (c_char_p, StringOut, ErrorOut)),
    Signature("llmwire_client_new", Status, (c_char_p, POINTER(ClientPtr), ErrorOut)),
    Signature("llmwire_client_free", None, (ClientPtr,)),
    Signature("llmwire_chat", Status, (ClientPtr, c_char_p, CancelPtr, StringOut, ErrorOut)),
    Signature(
        "llmwire_chat_stream",
        Status,
        (ClientPtr, c_char_p, CancelPtr, CHUNK_CALLBACK, c_void_p, StringOut, ErrorOut),
    ),
    Signature("llmwire_cancel_new", CancelPtr, ()),
    Signature("llmwire_cancel_trigger", None, (CancelPtr,)),
    Signature("llmwire_cancel_free", None, (CancelPtr,)),
    Signature(
        "llmwire_cancel_set_interrupt_check",
        Status,
        (CancelPtr, INTERRUPT_CHECK, c_void_p),
        optional=True,
    ),
    Signature("llmwire_client_metrics", Status, (ClientPtr, c_char_p, StringOut, ErrorOut)),
    Signature(
        "llmwire_client_set_event_callback",
        Status,
        (ClientPtr, EVENT_CALLBACK, c_void_p, ErrorOut),
    ),
    Signature("llmwire_status_str", c_char_p, (c_int32,)),
    Signature("llmwire_error_free", None, (ErrorPtr,)),
    Signature("llmwire_error_status", Status, (ErrorPtr,)),
    Signature("llmwire_error_class", c_char_p, (ErrorPtr,)),
    Signature("llmwire_error_http_status", c_int32, (ErrorPtr,)),
    Signature("llmwire_error_retry_after_ms", c_int64, (ErrorPtr,)),
    Signature("llmwire_error_message", c_char_p, (ErrorPtr,)),
    Signature("llmwire_error_summary", c_char_p, (ErrorPtr,)),
    Signature("llmwire_error_to_json", Status, (ErrorPtr, StringOut, ErrorOut)),
    # Completion queues (for event loops that watch a descriptor); declared, not used here yet.
    Signature("llmwire_queue_new", Status, (POINTER(c_void_p), ErrorOut), optional=True),
    Signature("llmwire_queue_free", None, (c_void_p,), optional=True),
    Signature("llmwire_queue_fd", c_int32, (c_void_p,), optional=True),
    Signature("llmwire_queue_take", Status, (c_void_p, StringOut, ErrorOut), optional=True),
    Signature(
        "llmwire_chat_submit",
        Status,
        (ClientPtr, c_char_p, c_void_p, ctypes.c_uint64, POINTER(c_void_p), ErrorOut),
        optional=True,
    ),
    Signature(
        "llmwire_chat_stream_submit",
        Status,
        (ClientPtr, c_char_p, ctypes.c_size_t, c_void_p, ctypes.c_uint64, POINTER(c_void_p), ErrorOut),
        optional=True,
    ),
    Signature("llmwire_trim", Status, (c_char_p, c_char_p, StringOut, ErrorOut), optional=True),
    Signature("llmwire_validate", Status, (c_char_p, c_char_p, StringOut, ErrorOut), optional=True),
    Signature("llmwire_version", c_char_p, ()),
    Signature("llmwire_abi_version", c_uint32, ()),
    Signature("llmwire_debug_panic", Status, (ErrorOut,)),
)

_SIGNATURES_BY_NAME = {signature.name: signature for signature in SIGNATURES}


def library_file_names() -> tuple[str, ...]:
    """The library's file name(s) on this platform."""
    if sys.platform == "win32":
        return ("llmwire.dll",)
    if sys.platform == "darwin":
        return ("libllmwire.dylib",)
    return ("libllmwire.so",)


_PACKAGE_NAME = re.compile(r'^\s*name\s*=\s*["\']llmwire["\']\s*$', re.MULTILINE)
_SECTION = re.compile(r"^\s*\[", re.MULTILINE)


def _is_llmwire_manifest(path: Path) -> bool:
    """Whether ``path`` is a Cargo.toml whose ``[package]`` is named llmwire."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    start = text.find("[package]")
    if start < 0:
        return False
    body = text[start + len("[package]") :]
    next_section = _SECTION.search(body)
    if next_section:
        body = body[: next_section.start()]
    return bool(_PACKAGE_NAME.search(body))


def find_repository(start: Path) -> Optional[Path]:
    """The nearest folder at or above ``start`` holding llmwire's Cargo.toml, if any."""
    for folder in (start, *start.parents):
        if _is_llmwire_manifest(folder / "Cargo.toml"):
            return folder
    return None


def candidate_paths(package_dir: Path) -> list[Path]:
    """Where to look for the library, in order, when ``LLMWIRE_LIB`` is not set."""
    names = library_file_names()
    candidates = [package_dir / name for name in names]
    repository = find_repository(package_dir)
    if repository is not None:
        for profile in ("release", "debug"):
            candidates.extend(repository / "target" / profile / name for name in names)
    return candidates


def _bind(library: ctypes.CDLL, path: str) -> None:
    """Declares every signature on ``library``; a missing required export is an error."""
    for signature in SIGNATURES:
        try:
            function = getattr(library, signature.name)
        except AttributeError:
            if signature.optional:
                continue
            raise IncompatibleLibrary(
                f"the llmwire library at {path} has no export {signature.name}: it is older than "
                "this binding; rebuild it (cargo build --release) or point LLMWIRE_LIB at a "
                "current build"
            ) from None
        function.restype = signature.restype
        function.argtypes = signature.argtypes


def _check_abi(library: ctypes.CDLL, path: str) -> None:
    found = int(library.llmwire_abi_version())
    if found != ABI_VERSION:
        raise IncompatibleLibrary(
            f"the llmwire library at {path} has C ABI version {found}, but this Python binding "
            f"was written for ABI version {ABI_VERSION}; install the binding that matches the "
            "library, or rebuild the library from the same source tree (cargo build --release)"
        )


def _open(path: Path) -> ctypes.CDLL:
    library = ctypes.CDLL(str(path))
    _bind(library, str(path))
    _check_abi(library, str(path))
    return library


_FIX = (
    "Reinstall the package from the llmwire repository (`pip install ./bindings/python` builds the "
    "library into it), build the library with `cargo build --release` there, or set "
    f"{LIB_ENV} to the path of libllmwire.so (libllmwire.dylib on macOS, llmwire.dll on Windows)."
)


def load(package_dir: Optional[Path] = None) -> ctypes.CDLL:
    """Finds and loads the library, declares every signature and checks the ABI version.

    Raises :class:`LibraryNotFound` (listing every path tried) when nothing loads, and
    :class:`IncompatibleLibrary` when a library loads but does not match this binding.
    """
    explicit = os.environ.get(LIB_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise LibraryNotFound(
                f"{LIB_ENV} is set to {explicit!r}, which is not a file. {_FIX}"
            )
        try:
            return _open(path)
        except OSError as error:
            raise LibraryNotFound(
                f"{LIB_ENV} is set to {explicit!r}, which could not be loaded: {error}. {_FIX}"
            ) from error

    package_dir = package_dir or Path(__file__).resolve().parent
    tried: list[str] = []
    for path in candidate_paths(package_dir):
        if not path.is_file():
            tried.append(f"  {path} (not found)")
            continue
        try:
            return _open(path)
        except OSError as error:
            tried.append(f"  {path} (could not be loaded: {error})")
    if find_repository(package_dir) is None:
        tried.append(
            f"  (no llmwire repository above {package_dir}, so no target/release or target/debug)"
        )
    raise LibraryNotFound(
        f"could not find the llmwire shared library ({LIB_ENV} is not set). Tried:\n"
        + "\n".join(tried)
        + f"\n{_FIX}"
    )


class Library:
    """The loaded library with its signatures bound; optional exports are looked up on use."""

    def __init__(self, cdll: ctypes.CDLL) -> None:
        self.cdll = cdll

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set on the instance: the foreign functions. Binding
        # the function object to the instance makes later lookups plain attribute reads.
        if name not in _SIGNATURES_BY_NAME:
            raise AttributeError(name)
        function = getattr(self.cdll, name)  # AttributeError when an optional export is absent
        setattr(self, name, function)
        return function

    def has(self, name: str) -> bool:
        """Whether the library exports ``name`` (for optional exports)."""
        try:
            getattr(self, name)
        except AttributeError:
            return False
        return True


lib = Library(load())
