"""docker-compose.yml is valid (checked by docker-compose itself, which needs no engine) and complete."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import yaml

from tests.support.services import ROOT


@pytest.fixture(scope="module")
def compose() -> dict:
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing: `make test` installs it (apt package docker-compose)")
        pytest.skip("docker-compose is not installed (`make tools` installs it)")
    command = [binary, "-f", str(ROOT / "docker-compose.yml"), "config"]
    unset = {k: v for k, v in os.environ.items() if k != "FACTCHECK_SECRET_KEY"}
    refused = subprocess.run(command, capture_output=True, text=True, check=False, env=unset)
    assert refused.returncode != 0 and "FACTCHECK_SECRET_KEY" in refused.stderr  # no secret key, no start
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, env=unset | {"FACTCHECK_SECRET_KEY": "k" * 44}
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_all_services_with_health_checks(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "api", "worker", "relay"}
    for name in ("postgres", "redis", "api", "worker", "relay"):
        assert services[name]["healthcheck"]["test"], name


def test_redis_keeps_the_queue(compose):
    command = " ".join(compose["services"]["redis"]["command"])
    assert "--appendonly yes" in command and "--maxmemory-policy noeviction" in command


def test_migrate_runs_once_before_the_app(compose):
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    for name in ("api", "worker", "relay"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_worker_can_be_scaled(compose):
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker
