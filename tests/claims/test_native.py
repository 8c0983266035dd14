"""The compiled extractor (shared/claims/native.py): used where it can be built, and only for the sources it was
built from."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import shared.claims
from shared.claims import NATIVE_DIR, native, native_is_current
from shared.claims import scoring as scoring_module

PROBE = "import shared.claims.extraction as e; print(e.__file__); print(len(e.extract_claims('It rose 5% in 2024.')))"


@pytest.fixture(scope="module")
def compiled() -> None:
    lacking = native.missing()
    if lacking:
        pytest.skip(f"without {lacking} the extractor runs as plain Python")


def test_the_tests_run_the_compiled_extractor_where_it_can_be_built(compiled):
    assert native_is_current(), "not compiled from these sources: run `make native` (make test does)"
    assert Path(scoring_module.__file__).parent == NATIVE_DIR


def _probe(package_copy: Path) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=package_copy.parent, capture_output=True, text=True, timeout=60, check=True
    )
    return run.stdout.split()


def test_the_compiled_modules_run_only_for_the_sources_they_were_built_from(compiled, tmp_path: Path):
    copy = tmp_path / "shared"
    shutil.copytree(Path(shared.claims.__file__).parents[1], copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert native_is_current()
    module_file, claims = _probe(copy)
    assert Path(module_file).parent == NATIVE_DIR
    assert claims == "1"

    with (copy / "claims" / "scoring.py").open("a", encoding="utf-8") as source:
        source.write("# changed since the build\n")
    module_file, claims = _probe(copy)
    # All of them from source, not only the one changed: compiled together, they call each other directly.
    assert Path(module_file) == copy / "claims" / "extraction.py"
    assert claims == "1"
