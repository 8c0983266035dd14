"""`make soak` kept working: the soak runner, for a few seconds, against the tests' own servers."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support.services import ROOT

pytestmark = pytest.mark.slow  # the whole service started as processes, for about half a minute


def test_a_short_soak_passes_and_reports_every_figure(servers, tmp_path):
    database_url, redis_url = servers  # the tests' servers; the soak makes a database of its own beside theirs
    env = os.environ | {"FACTCHECK_DATABASE_URL": database_url, "FACTCHECK_REDIS_URL": redis_url}
    # Named after the tests' database, so that two suites on one server do not share it.
    database = os.environ.get("FACTCHECK_TEST_DATABASE", "factcheck_test") + "_soak"
    soak = subprocess.Popen(
        [sys.executable, "-m", "tests.soak.run", "--minutes", "0.2", "--sample-seconds", "4", "--drain-seconds", "30",
         "--database", database, "--log-dir", str(tmp_path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        report, progress = soak.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        soak.terminate()  # the soak stops the service's processes on its way out
        report, progress = soak.communicate(timeout=60)
    logs = "".join(f"\n{path.name}: ...{path.read_text()[-2000:]}" for path in tmp_path.glob("*.log"))
    assert soak.returncode == 0, report + progress[-3000:] + logs
    assert "result: passed" in report and " 0 errors" in report
    for kind in ("article", "queue", "claims", "claim", "transition"):  # the kinds made every few seconds
        assert f"\n  {kind} " in report, kind
    assert "drained" in report and "NOT drained" not in report
    delivered = re.search(r"webhooks: (\d+) deliveries made \(delivered (\d+)\)", report)
    assert delivered and int(delivered[1]) == int(delivered[2]) > 0, report
    for process in ("api", "relay", "worker"):
        assert re.search(rf"\n  {process}(-\d)? \(", report), process  # its memory: at boot, at start, at the end
