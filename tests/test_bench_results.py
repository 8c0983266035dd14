"""`make bench`'s table and JSON: medians of the runs, held to their targets, ratios paired run by run."""

from __future__ import annotations

import json

from tests.bench.results import Figure, table, write


def test_a_figure_is_the_median_of_its_runs_held_to_its_target(tmp_path):
    fast = Figure("extractor", "sentences/s", 20_000, True, [19_000, 25_000, 21_000], "pysbd", [4_000, 5_000, 3_000])
    slow = Figure("queue p95", "ms", 20, False, [25.0, 18.0, 30.0])
    unmeasured = Figure("backfill", "articles/s", 1_000, True)
    assert fast.median == 21_000 and fast.met is True
    assert slow.median == 25.0 and slow.met is False
    assert fast.ratio == 5.0  # the median of 4.75, 5.0 and 7.0: each run against its own reference
    printed = table([fast, slow, unmeasured])
    assert "21,000" in printed and ">= 20,000" in printed and "5.00x pysbd" in printed
    assert "NO" in printed.splitlines()[3] and "backfill" not in printed
    write([fast, slow, unmeasured], tmp_path / "results.json", {"cores": 2})
    written = json.loads((tmp_path / "results.json").read_text())
    assert [f["name"] for f in written["figures"]] == ["extractor", "queue p95"]
    queue = written["figures"][1]
    assert (queue["median"], queue["min"], queue["max"], queue["target_is"], queue["met"]) == (
        25.0, 18.0, 30.0, "at most", False,
    )  # fmt: skip
