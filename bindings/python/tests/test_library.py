"""Finding and checking the shared library; versions; the module functions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import llmwire
from llmwire import _native

from conftest import has_validator

LIBRARY = Path(llmwire.library_path).resolve()
PACKAGE = Path(llmwire.__file__).resolve().parent
LIB_NAME = _native.library_file_names()[0]


def import_in_subprocess(package_parent: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Imports the llmwire found under ``package_parent`` in a fresh interpreter."""
    environment = {k: v for k, v in os.environ.items() if k not in ("LLMWIRE_LIB", "PYTHONPATH")}
    environment.update(env)
    environment["PYTHONPATH"] = str(package_parent)
    return subprocess.run(
        [sys.executable, "-c", "import llmwire; print(llmwire.library_path)"],
        cwd=package_parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_package(destination: Path) -> Path:
    target = destination / "llmwire"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.dylib", "*.dll"))
    return target


def test_versions() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", llmwire.version())
    assert llmwire.abi_version() == llmwire.ABI_VERSION == 1


def test_missing_library_names_every_path_tried_and_the_fix(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    result = import_in_subprocess(tmp_path)
    assert result.returncode != 0
    assert "llmwire.LibraryNotFound" in result.stderr
    assert str(package / LIB_NAME) in result.stderr
    assert "no llmwire repository above" in result.stderr
    assert "cargo build --release" in result.stderr and "LLMWIRE_LIB" in result.stderr


def test_bad_llmwire_lib_is_reported_not_bypassed(tmp_path: Path) -> None:
    result = import_in_subprocess(PACKAGE.parent, LLMWIRE_LIB=str(tmp_path / "nope.so"))
    assert result.returncode != 0
    assert "LibraryNotFound" in result.stderr and "nope.so" in result.stderr
    not_a_library = tmp_path / "fake.so"
    not_a_library.write_text("not an ELF file")
    result = import_in_subprocess(PACKAGE.parent, LLMWIRE_LIB=str(not_a_library))
    assert "could not be loaded" in result.stderr


def test_library_next_to_the_package_is_found(tmp_path: Path) -> None:
    package = copy_package(tmp_path)
    (package / LIB_NAME).symlink_to(LIBRARY)
    result = import_in_subprocess(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(package / LIB_NAME)


def make_repository(root: Path, profiles: tuple[str, ...]) -> Path:
    (root / "Cargo.toml").write_text(
        '[package]\nname = "llmwire"\nversion = "0.1.0"\n\n[[bin]]\nname = "other"\n'
    )
    for profile in profiles:
        (root / "target" / profile).mkdir(parents=True)
        (root / "target" / profile / LIB_NAME).symlink_to(LIBRARY)
    (root / "bindings" / "python").mkdir(parents=True)
    return root / "bindings" / "python"


def test_repository_build_is_found_release_first(tmp_path: Path) -> None:
    packages = make_repository(tmp_path, ("debug",))
    copy_package(packages)
    result = import_in_subprocess(packages)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "target" / "debug" / LIB_NAME)
    (tmp_path / "target" / "release").mkdir()
    (tmp_path / "target" / "release" / LIB_NAME).symlink_to(LIBRARY)
    result = import_in_subprocess(packages)
    assert result.stdout.strip() == str(tmp_path / "target" / "release" / LIB_NAME)


def test_candidate_order(tmp_path: Path) -> None:
    packages = make_repository(tmp_path, ())
    package = packages / "llmwire"
    assert _native.candidate_paths(package) == [
        package / LIB_NAME,
        tmp_path / "target" / "release" / LIB_NAME,
        tmp_path / "target" / "debug" / LIB_NAME,
    ]


def test_only_a_package_named_llmwire_is_the_repository(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "other"\n\n[[bin]]\nname = "llmwire"\n')
    assert _native.find_repository(tmp_path / "sub") is None


def test_abi_mismatch_names_both_versions() -> None:
    fake = SimpleNamespace(llmwire_abi_version=lambda: 2)
    with pytest.raises(llmwire.IncompatibleLibrary, match=r"ABI version 2.*ABI version 1"):
        _native._check_abi(fake, "/x/libllmwire.so")  # type: ignore[arg-type]
    assert issubclass(llmwire.IncompatibleLibrary, ImportError)
    assert issubclass(llmwire.LibraryNotFound, ImportError)


def test_missing_required_export_is_reported() -> None:
    class Partial:
        def __getattr__(self, name: str) -> Any:
            if name == "llmwire_chat":
                raise AttributeError(name)
            return SimpleNamespace()

    with pytest.raises(llmwire.IncompatibleLibrary, match="llmwire_chat"):
        _native._bind(Partial(), "/x/libllmwire.so")  # type: ignore[arg-type]


def test_signature_table_covers_every_export_once_and_matches_the_header() -> None:
    names = [signature.name for signature in _native.SIGNATURES]
    assert len(names) == len(set(names))
    header = _native.find_repository(Path(__file__).resolve().parent)
    if header is None:
        pytest.skip("not inside the repository")
    text = (header / "include" / "llmwire.h").read_text()
    # Declarations start a line with their return type; comments start with " *".
    declared = re.findall(r"^[A-Za-z_][\w ]*[ *](llmwire_\w+)\(", text, re.MULTILINE)
    required = [s.name for s in _native.SIGNATURES if not s.optional]
    # Every function of the header is in the table, in the header's order.
    assert [n for n in names if n in declared] == declared
    assert set(required) <= set(declared)


def test_classify_returns_the_classification() -> None:
    result = llmwire.classify(
        {"provider": "openai", "status": 429, "headers": {"retry-after-ms": "250"}, "body": "{}"}
    )
    assert result["class"] == "rate_limited"
    assert result["retry_after_ms"] == 250
    assert result["http_status"] == 429
    assert llmwire.classify({"transport": "connection_refused"})["class"] == "network"


@pytest.mark.skipif(not has_validator(), reason="the loaded library has no llmwire_validate yet")
def test_validate_reports_and_repairs() -> None:
    report = llmwire.validate({"model": "gpt-4o", "messages": []}, provider="openai")
    assert report["ok"] is False
    assert any(error["code"] == "empty_messages" for error in report["errors"])
    repaired = llmwire.validate(
        {"model": "gemini-2.5-flash", "store": False, "messages": [{"role": "user", "content": "hi"}]},
        provider="gemini",
        repair=True,
    )
    assert repaired["ok"] is True
    assert "store" not in repaired["request"]


def test_validate_without_the_export_says_so() -> None:
    if has_validator():
        with pytest.raises(llmwire.InvalidArgument):
            llmwire.validate({"messages": []}, provider="no-such-provider")
    else:
        with pytest.raises(NotImplementedError, match="llmwire_validate"):
            llmwire.validate({"messages": []})


def test_trim_keeps_a_conversation_inside_a_budget_and_says_when_nothing_fits() -> None:
    history = []
    for i in range(40):
        history.append({"role": "user", "content": f"question {i} " * 40})
        history.append({"role": "assistant", "content": f"answer {i} " * 40})
    history.append({"role": "user", "content": "the newest question"})
    result = llmwire.trim({"model": "m", "messages": history}, budget_tokens=2000)
    assert len(result["request"]["messages"]) < len(history)
    assert result["request"]["messages"][-1]["content"] == "the newest question"
    assert result["report"]["estimated_tokens_after"] <= 2000 < result["report"]["estimated_tokens_before"]
    with pytest.raises(llmwire.ContextLengthExceeded):
        llmwire.trim({"model": "m", "messages": [{"role": "user", "content": "x " * 5000}]}, budget_tokens=10)
