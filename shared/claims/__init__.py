"""Claims: extraction from article bodies, their state and their reading.

The extractor's modules may be compiled to C (``shared/claims/native.py``, ``make native``): the import
system then prefers the extension beside each source. An extension must never stand for a source that has
changed since, so the digest of the sources it was built from is checked here, before any of them is
imported; when it no longer matches, the sources are imported instead, with a warning.
"""

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from pathlib import Path

# The modules of the extractor, compiled together: calls between them are direct C calls, so either all of
# them are compiled or none is.
NATIVE_MODULES = ("sentences", "quantities", "scoring", "model", "extraction")
_HERE = Path(__file__).parent
NATIVE_DIGEST = _HERE / "native.sha256"  # the digest of the sources the extensions were built from


def source_digest() -> str:
    digest = hashlib.sha256()
    for module in NATIVE_MODULES:
        digest.update((_HERE / f"{module}.py").read_bytes())
    return digest.hexdigest()


def native_extensions() -> list[Path]:
    """The compiled modules in the package (for any interpreter), with the runtime they share."""
    names = tuple(f"{name}." for name in (*NATIVE_MODULES, "native__mypyc"))
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return sorted(path for path in _HERE.iterdir() if path.name.startswith(names) and path.name.endswith(suffixes))


def native_is_current() -> bool:
    try:
        return NATIVE_DIGEST.read_text(encoding="ascii").strip() == source_digest()
    except FileNotFoundError:
        return False


class _SourcesFirst(importlib.abc.MetaPathFinder):
    """Finds the extractor's modules as sources, ahead of the stale extensions beside them."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, module = fullname.rpartition(".")
        if package != __name__ or module not in NATIVE_MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, _HERE / f"{module}.py")


if native_extensions() and not native_is_current():
    warnings.warn(
        "the compiled claim extractor was built from other sources: the sources run instead "
        "(make native compiles them again)",
        RuntimeWarning,
        stacklevel=2,
    )
    sys.meta_path.insert(0, _SourcesFirst())
