"""What `make bench` reports: every figure as the median of its runs with their spread, beside its target
and, where one is measured in the same runs, a reference; printed as one table and written as JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Figure:
    name: str
    unit: str
    target: float | None  # None: reported, no target
    higher_is_better: bool
    values: list[float] = field(default_factory=list)  # one a run
    reference: str = ""  # what the reference is, e.g. "pysbd splitting"
    reference_values: list[float] = field(default_factory=list)  # measured in the same runs

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def met(self) -> bool | None:
        if self.target is None or not self.values:
            return None
        return self.median >= self.target if self.higher_is_better else self.median <= self.target

    @property
    def ratio(self) -> float | None:
        """The median of the per-run ratios to the reference: each run's pair saw the same machine."""
        if not self.reference_values:
            return None
        return statistics.median(v / r for v, r in zip(self.values, self.reference_values, strict=True) if r)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "unit": self.unit,
            "median": self.median,
            "min": min(self.values),
            "max": max(self.values),
            "runs": self.values,
            "target": self.target,
            "target_is": "at least" if self.higher_is_better else "at most",
            "met": self.met,
            "reference": self.reference or None,
            "reference_runs": self.reference_values or None,
            "ratio_to_reference": self.ratio,
        }


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "median", "spread (runs)", "target", "met", "vs reference")]
    for f in figures:
        if not f.values:
            continue
        target = "" if f.target is None else f"{'>=' if f.higher_is_better else '<='} {_number(f.target)}"
        met = {True: "yes", False: "NO", None: ""}[f.met]
        ratio = f"{f.ratio:.2f}x {f.reference}" if f.ratio is not None else ""
        spread = f"{_number(min(f.values))}-{_number(max(f.values))} ({len(f.values)})"
        rows.append((f"{f.name} ({f.unit})", _number(f.median), spread, target, met, ratio))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write(figures: list[Figure], path: Path, about: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"about": about, "figures": [f.as_dict() for f in figures if f.values]}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
