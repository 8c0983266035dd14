"""Compile the claim extractor to C with mypyc: the same source, run about 1.45 times as fast.

Extraction is pure Python over short strings, where the interpreter's own overhead is most of the cost.
mypyc compiles the annotated modules to one C extension each, which the import system prefers to the source
beside it (``shared/claims/__init__.py`` makes sure they were built from the sources as they are). Without a
C compiler, the Python headers or mypyc the extractor runs as plain Python, with the same results.

The modules must type-check, as mypy reads them for the build; compiled code also checks the annotated types
of what it is given at run time. A build that fails leaves plain Python, and the tests say so
(tests/claims/test_native.py).

    python -m shared.claims.native build    # compile; the extractor stays plain Python if it cannot
    python -m shared.claims.native clean    # remove the compiled modules
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from shared.claims import NATIVE_DIGEST, NATIVE_MODULES, native_extensions, native_is_current, source_digest

_PACKAGE = "shared.claims"
_ROOT = Path(__file__).parents[2]  # where "shared" is


def clean() -> None:
    for path in native_extensions():
        path.unlink()
    NATIVE_DIGEST.unlink(missing_ok=True)


def missing() -> str | None:
    """What this machine lacks to compile the extractor, if anything."""
    compiler = os.environ.get("CC", "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"a C compiler ({compiler})"
    if not Path(sysconfig.get_paths()["include"], "Python.h").is_file():
        return "the Python headers (Python.h; Debian: python3-dev)"
    if importlib.util.find_spec("mypyc") is None or importlib.util.find_spec("setuptools") is None:
        return "mypyc (pip install -e '.[native]')"
    return None


def build() -> None:
    """Compile the modules in place; where it cannot, say why and leave the extractor plain Python."""
    lacking = missing()
    if lacking:
        if not native_is_current():
            clean()  # extensions of other sources are never used: they would only be warned about
        print(f"without {lacking} the claim extractor runs as plain Python")
        return
    from mypyc.build import mypycify
    from setuptools import setup

    clean()  # a failed build leaves no extension of other sources behind
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="factcheck-native-") as work:
        os.chdir(_ROOT)  # mypyc names the modules from their paths, and "in place" is relative to here
        try:
            setup(
                name="factcheck-native",
                ext_modules=mypycify(
                    [
                        f"--cache-dir={Path(work) / 'cache'}",
                        "--follow-imports=silent",  # only the modules compiled must type-check
                        *(f"shared/claims/{module}.py" for module in NATIVE_MODULES),
                    ],
                    # The runtime the modules share becomes shared/claims/native__mypyc, inside the package.
                    group_name=f"{_PACKAGE}.native",
                    target_dir=str(Path(work) / "c"),
                ),
                script_args=[
                    "--quiet",
                    "build_ext",
                    "--inplace",
                    f"--build-temp={Path(work) / 'objects'}",
                    f"--build-lib={Path(work) / 'lib'}",
                ],
            )
        except (SystemExit, Exception) as error:  # a compiler's failure ends setup() with SystemExit
            clean()
            print(f"compiling the claim extractor failed ({error!r}, see above): it runs as plain Python")
            return
        finally:
            os.chdir(here)
    NATIVE_DIGEST.write_text(source_digest() + "\n", encoding="ascii")


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
