"""Claims: extraction from article bodies, their state and their reading.

The extractor's modules may also be compiled to C (``shared/claims/native.py``, ``make native``), into a folder
of the interpreter's environment. They are used only all together and only when built from these very sources,
as a digest of the sources written at the build says: that folder then comes first on the package's path, and
the import system finds each compiled module there before its source here. Otherwise the sources run.
"""

import hashlib
import importlib.machinery
import sys
from pathlib import Path

# Compiled together, they call each other directly: either all of them are compiled or none is.
NATIVE_MODULES = ("sentences", "quantities", "scoring", "model", "extraction")
# With the runtime they share, "native__mypyc"; one folder per environment, so per interpreter.
NATIVE_DIR = Path(sys.prefix) / "factcheck-native" / "shared" / "claims"
_SOURCES = Path(__file__).parent


def source_digest(folder: Path = _SOURCES) -> str:
    """The digest of the extractor's sources in ``folder``."""
    digest = hashlib.sha256()
    for module in NATIVE_MODULES:
        digest.update((folder / f"{module}.py").read_bytes())
    return digest.hexdigest()


def native_is_current() -> bool:
    """Whether every compiled module is there, built from the sources as they are now."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    try:
        built = (NATIVE_DIR / "sources.sha256").read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return False
    complete = all((NATIVE_DIR / f"{name}{suffix}").is_file() for name in (*NATIVE_MODULES, "native__mypyc"))
    return complete and built == source_digest()


if native_is_current():
    __path__.insert(0, str(NATIVE_DIR))
