"""Building claim data for tests as the extractor stores it."""

from __future__ import annotations


def quantity(text: str, surface: str, value: float, unit: str | None, approximate: bool = False) -> dict:
    """A stored quantity of the claim, as claim extraction writes it: offsets into the claim text."""
    start = text.index(surface)
    return {
        "value": value,
        "unit": unit,
        "text": surface,
        "start": start,
        "end": start + len(surface),
        "approximate": approximate,
    }
