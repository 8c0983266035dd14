"""The README keeps up with the code: every setting and every make target is documented."""

from __future__ import annotations

import re

from shared.config import Settings
from tests.support.services import ROOT

README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_configuration_table():
    documented = set(re.findall(r"^\| `(FACTCHECK_[A-Z_]+)`", README, flags=re.MULTILINE))
    assert documented == {f"FACTCHECK_{name.upper()}" for name in Settings.model_fields}


def test_every_make_target_is_described():
    targets = re.findall(r"^([a-z-]+):.*## ", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert targets, "the Makefile lists its targets with ## descriptions"
    missing = [t for t in targets if f"make {t}`" not in README and t != "help"]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    assert "make test" in README and "make test" in (ROOT / ".ci" / "run").read_text()
