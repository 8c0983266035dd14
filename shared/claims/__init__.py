"""Claims: extraction from article bodies, their state and their reading.

The extractor's modules may also be compiled to C (``shared/claims/native.py``, ``make native``), into a folder
of the interpreter's environment named after the digest of the sources they were built from. When the folder of
these very sources is there, whole, it comes first on the package's path, and the import system finds each
compiled module there before its source here. Otherwise the sources run.
"""

import hashlib
import importlib.machinery
import sys
from pathlib import Path

# Compiled together, they call each other directly: either all of them are compiled or none is.
NATIVE_MODULES = ("sentences", "quantities", "scoring", "model", "extraction")
# One folder of builds per environment, so per interpreter.
NATIVE_BUILDS = Path(sys.prefix) / "factcheck-native"
_SOURCES = Path(__file__).parent


def source_digest(folder: Path = _SOURCES) -> str:
    """The digest of the extractor's sources in ``folder``: each one's name, length and bytes."""
    digest = hashlib.sha256()
    for module in NATIVE_MODULES:
        source = (folder / f"{module}.py").read_bytes()
        digest.update(f"{module}.py {len(source)}\n".encode("ascii"))
        digest.update(source)
    return digest.hexdigest()


def native_dir(digest: str) -> Path:
    """Where the modules compiled from the sources of ``digest`` are."""
    return NATIVE_BUILDS / digest / "shared" / "claims"


def current_native_dir() -> Path | None:
    """The folder of the modules compiled from the sources as they are now, if it is there whole."""
    try:
        folder = native_dir(source_digest())
    except OSError:  # a source missing or unreadable: nothing compiled can stand for it
        return None
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    whole = all((folder / f"{name}{suffix}").is_file() for name in (*NATIVE_MODULES, "native__mypyc"))
    return folder if whole else None


if (_compiled := current_native_dir()) is not None:
    __path__.insert(0, str(_compiled))
