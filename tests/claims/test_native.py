"""The compiled extractor (shared/claims/native.py): used where it can be built, and only for the sources it was
built from."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import shared.claims
from shared.claims import NATIVE_BUILDS, current_native_dir, native
from shared.claims import scoring as scoring_module

PROBE = "import shared.claims.extraction as e; print(e.__file__); print(len(e.extract_claims('It rose 5% in 2024.')))"


@pytest.fixture(scope="module")
def compiled() -> Path:
    lacking = native.missing()
    if lacking:
        pytest.skip(f"without {lacking} the extractor runs as plain Python")
    folder = current_native_dir()
    assert folder is not None, "not compiled from these sources: the build failed or did not run (make native)"
    return folder


def test_the_tests_run_the_compiled_extractor_where_it_can_be_built(compiled: Path):
    assert Path(scoring_module.__file__).parent == compiled
    # Readable by every user, as the service may run as another one than built it (the image's "nobody").
    for folder in [compiled, *compiled.parents[: len(compiled.relative_to(NATIVE_BUILDS).parts)]]:
        assert folder.stat().st_mode & (stat.S_IROTH | stat.S_IXOTH) == stat.S_IROTH | stat.S_IXOTH, folder


def _probe(package_copy: Path) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=package_copy.parent, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return run.stdout.splitlines()


def test_the_compiled_modules_run_only_for_the_sources_they_were_built_from(compiled: Path, tmp_path: Path):
    copy = tmp_path / "shared"
    shutil.copytree(Path(shared.claims.__file__).parents[1], copy, ignore=shutil.ignore_patterns("__pycache__"))
    module_file, claims = _probe(copy)
    assert Path(module_file).parent == compiled
    assert claims == "1"

    with (copy / "claims" / "scoring.py").open("a", encoding="utf-8") as source:
        source.write("# changed since the build\n")
    module_file, claims = _probe(copy)
    # All of them from source, not only the one changed: compiled together, they call each other directly.
    assert Path(module_file) == copy / "claims" / "extraction.py"
    assert claims == "1"


def test_what_is_missing_to_compile_is_named(monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler -O2")
    assert native.missing() == "a C compiler (no-such-compiler)"
