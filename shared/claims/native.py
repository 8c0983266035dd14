"""Compile the claim extractor to C with mypyc: the same source, run about 1.45 times as fast.

Extraction is pure Python over short strings, where the interpreter's own overhead is most of the cost.
mypyc compiles the annotated modules to C extensions, filed in the environment (not in the source tree) under
the digest of the sources they were built from: the package puts them first on its path only for those very
sources (``shared/claims/__init__.py``). Without a C compiler, the Python headers or mypyc the extractor runs as
plain Python, with the same results.

The modules must type-check, as mypy reads them for the build; compiled code also checks the annotated types
of what it is given at run time. A build that fails leaves plain Python, and the tests say so
(tests/claims/test_native.py).

    python -m shared.claims.native build    # compile, unless what is compiled is current
    python -m shared.claims.native clean    # remove the compiled modules
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from shared.claims import NATIVE_BUILDS, NATIVE_MODULES, current_native_dir, native_dir, source_digest

_SOURCES = Path(__file__).parent


def missing() -> str | None:
    """What this machine lacks to compile the extractor, if anything."""
    # The compiler setuptools uses: CC, else the one Python was built with.
    command = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    compiler = command[0] if command else "cc"
    if shutil.which(compiler) is None:
        return f"a C compiler ({compiler})"
    if not Path(sysconfig.get_paths()["include"], "Python.h").is_file():
        return "the Python headers (Python.h; Debian: python3-dev)"
    if importlib.util.find_spec("mypyc") is None or importlib.util.find_spec("setuptools") is None:
        return "mypyc (pip install -e '.[native]')"
    return None


def clean() -> None:
    shutil.rmtree(NATIVE_BUILDS, ignore_errors=True)


def build() -> None:
    """Compile the modules, unless those of the sources as they are now are there; where it cannot, say why."""
    if current_native_dir() is not None:
        return
    lacking = missing()
    if lacking:
        print(f"without {lacking} the claim extractor runs as plain Python")
        return
    from mypyc.build import mypycify
    from setuptools import setup

    print("compiling the claim extractor (mypyc, about 15 s)")
    with tempfile.TemporaryDirectory(prefix="factcheck-native-") as work:
        # A copy is compiled, and filed under its own digest: a source saved meanwhile is never taken for it.
        copy = Path(work) / "src"
        (copy / "shared" / "claims").mkdir(parents=True)
        shutil.copy(_SOURCES.parent / "__init__.py", copy / "shared")
        for source in _SOURCES.glob("*.py"):
            shutil.copy(source, copy / "shared" / "claims")
        digest = source_digest(copy / "shared" / "claims")
        lib = Path(work) / "lib"
        here = Path.cwd()
        os.chdir(copy)  # mypyc names the modules from their paths
        try:
            setup(
                name="factcheck-native",
                ext_modules=mypycify(
                    [
                        f"--cache-dir={Path(work) / 'cache'}",
                        "--follow-imports=silent",  # only the modules compiled must type-check
                        *(f"shared/claims/{module}.py" for module in NATIVE_MODULES),
                    ],
                    # The runtime the modules share becomes shared.claims.native__mypyc, beside them.
                    group_name="shared.claims.native",
                    target_dir=str(Path(work) / "c"),
                ),
                script_args=[
                    "--quiet",
                    "build_ext",
                    f"--build-lib={lib}",
                    f"--build-temp={Path(work) / 'objects'}",
                ],
            )
        except (SystemExit, Exception) as error:  # a compiler's failure ends setup() with SystemExit
            print(f"compiling the claim extractor failed ({error!r}, see above): it runs as plain Python")
            return
        finally:
            os.chdir(here)
        _install(lib / "shared" / "claims", digest)
    for other in NATIVE_BUILDS.iterdir():  # the builds of earlier sources
        if other.name != digest and not other.name.startswith("."):
            shutil.rmtree(other, ignore_errors=True)
    print(f"compiled into {native_dir(digest)}")


def _install(built: Path, digest: str) -> None:
    """Put the extensions in ``built`` in place for ``digest`` at once, with one rename: a process starting
    meanwhile finds them all or none."""
    NATIVE_BUILDS.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=NATIVE_BUILDS))
    try:
        staging.chmod(0o755)  # made private, but read by every user that runs the service (the image's "nobody")
        (staging / "shared" / "claims").mkdir(parents=True)
        suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
        for extension in built.iterdir():
            if extension.name.endswith(suffixes):
                shutil.copy(extension, staging / "shared" / "claims")
        # Another build of the same sources may have been put in place first: the same modules.
        with contextlib.suppress(OSError):
            staging.rename(NATIVE_BUILDS / digest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str]) -> int:
    if argv == ["build"]:
        build()
        return 0
    if argv == ["clean"]:
        clean()
        return 0
    print("usage: python -m shared.claims.native build|clean", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
