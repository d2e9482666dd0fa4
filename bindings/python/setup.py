"""Builds the llmwire Python package: the ctypes binding plus the Rust library it loads.

The binding is pure Python (ctypes); what makes the wheel platform-specific is the shared library
inside it, ``llmwire/libllmwire.so`` (``.dylib`` on macOS, ``llmwire.dll`` on Windows). setuptools-rust
builds it with ``cargo rustc --lib --release`` from the llmwire crate and copies it into the package
(see docs/packaging.md for why setuptools-rust and not maturin). Three small adjustments make that fit
a library loaded with ctypes rather than a Python extension module:

- the library keeps its plain file name (not ``libllmwire.cpython-311-x86_64-linux-gnu.so``), which is
  what ``llmwire/_native.py`` looks for next to the package;
- the wheel is tagged ``py3-none-<platform>``: any Python 3 can load it, only the platform matters;
- the crate is found two folders up in a checkout, or in ``rust/`` inside an sdist, which carries a
  copy of the crate so that it builds on its own.

``LLMWIRE_PREBUILT_LIB``, when set at build time, names an already built library to package instead
of running cargo (the repository's tests use it to package the build they have just made; users never
need it). ``LLMWIRE_LIB`` at run time still overrides whatever library the package carries.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools_rust import Binding, RustExtension
from setuptools_rust.build import build_rust

HERE = Path(__file__).resolve().parent

#: The crate inside an sdist (copied there by `sdist` below) and in a checkout.
VENDORED_CRATE = HERE / "rust"
CHECKOUT_CRATE = HERE.parent.parent

#: What the crate needs to build its library: manifest, lock file, build script, sources. Cargo reads
#: every target the manifest names, so the benchmarks come too.
CRATE_FILES = ("Cargo.toml", "Cargo.lock", "build.rs", "cbindgen.toml", "README.md",
               "LICENSE-MIT", "LICENSE-APACHE")
CRATE_DIRS = ("src", "benches", "include")

PREBUILT_ENV = "LLMWIRE_PREBUILT_LIB"


def library_file_name() -> str:
    if sys.platform == "win32":
        return "llmwire.dll"
    if sys.platform == "darwin":
        return "libllmwire.dylib"
    return "libllmwire.so"


def crate_dir() -> Path:
    for candidate in (VENDORED_CRATE, CHECKOUT_CRATE):
        if (candidate / "Cargo.toml").is_file() and (candidate / "src" / "lib.rs").is_file():
            return candidate
    raise SystemExit(
        "llmwire: cannot find the llmwire crate (its Cargo.toml) next to this package, in "
        f"{VENDORED_CRATE} or {CHECKOUT_CRATE}. Build from a checkout of the llmwire repository "
        "or from its sdist."
    )


class build_rust_library(build_rust):
    """Copies the cdylib into the package under its plain name, not an extension module's."""

    def get_dylib_ext_path(self, ext: RustExtension, target_fname: str) -> str:
        extension_path = Path(super().get_dylib_ext_path(ext, target_fname))
        return str(extension_path.with_name(library_file_name()))


class build_py_with_prebuilt(build_py):
    """With ``LLMWIRE_PREBUILT_LIB`` set, packages that file as the library instead of building one."""

    def run(self) -> None:
        super().run()
        prebuilt = os.environ.get(PREBUILT_ENV)
        if prebuilt:
            source = Path(prebuilt)
            if not source.is_file():
                raise SystemExit(f"llmwire: {PREBUILT_ENV}={prebuilt!r} is not a file")
            destination = Path(self.build_lib) / "llmwire" / library_file_name()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            if self.editable_mode:
                shutil.copyfile(source, HERE / "llmwire" / library_file_name())


class bdist_wheel_any_python(bdist_wheel):
    """Tags the wheel ``py3-none-PLATFORM``: the library is loaded with ctypes, not as an extension."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class sdist_with_crate(sdist):
    """Puts a copy of the crate in ``rust/`` so the sdist builds without the repository around it."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        source = crate_dir()
        destination = Path(base_dir) / "rust"
        for name in CRATE_FILES:
            if (source / name).is_file():
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, destination / name)
        for name in CRATE_DIRS:
            if (source / name).is_dir():
                shutil.copytree(source / name, destination / name,
                                ignore=shutil.ignore_patterns("target", "__pycache__"))


rust_extensions = []
if not os.environ.get(PREBUILT_ENV):
    rust_extensions.append(
        RustExtension(
            "llmwire.libllmwire",
            path=str(crate_dir() / "Cargo.toml"),
            binding=Binding.NoBinding,
            # The shipped library: without the simulated provider (the Makefile's LIB_CARGO_FLAGS).
            args=["--no-default-features", "--features", "shipped"],
            py_limited_api=False,
        )
    )

setup(
    rust_extensions=rust_extensions,
    cmdclass={
        "build_rust": build_rust_library,
        "build_py": build_py_with_prebuilt,
        "bdist_wheel": bdist_wheel_any_python,
        "sdist": sdist_with_crate,
    },
    zip_safe=False,
)
