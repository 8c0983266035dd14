"""The compiled extractor (shared/claims/native.py): used where it can be built, never when built from other sources."""

from __future__ import annotations

import importlib.machinery
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import shared.claims
from shared.claims import NATIVE_MODULES, native, native_extensions, native_is_current
from shared.claims import scoring as scoring_module

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


def test_the_tests_run_the_compiled_extractor_where_it_can_be_built():
    lacking = native.missing()
    if lacking:
        pytest.skip(f"without {lacking} the extractor runs as plain Python")
    assert native_extensions(), "not compiled: run `make native` (make test does)"
    assert native_is_current(), "compiled from other sources: run `make native` (make test does)"
    assert scoring_module.__file__.endswith(SUFFIX)


def test_a_module_compiled_from_other_sources_is_not_used(tmp_path: Path):
    # A copy of the package whose "compiled" modules are not even extensions: importing one would fail.
    copy = tmp_path / "shared"
    shutil.copytree(
        Path(shared.claims.__file__).parents[1], copy, ignore=shutil.ignore_patterns("*.so", "__pycache__", "*.sha256")
    )
    for module in NATIVE_MODULES:
        (copy / "claims" / f"{module}{SUFFIX}").write_bytes(b"not an extension")
    (copy / "claims" / "native.sha256").write_text("0" * 64 + "\n", encoding="ascii")
    probe = (
        "import shared.claims.extraction as e; print(e.__file__); print(len(e.extract_claims('It rose 5% in 2024.')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    module_file, claims = run.stdout.split()
    assert Path(module_file) == copy / "claims" / "extraction.py"
    assert claims == "1"
    assert "built from other sources" in run.stderr

    # Without a digest (a build that failed half-way) the same.
    (copy / "claims" / "native.sha256").unlink()
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [module_file, "1"]
