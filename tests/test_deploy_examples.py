"""The deployment examples in examples/deploy are real: systemd accepts the units, nginx the proxy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "examples" / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    # The units name /srv/cms; point that at this checkout's virtualenv so ExecStart exists.
    root = tmp_path / "srv-cms"
    (root / ".venv").mkdir(parents=True)
    (root / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    (root / "media").mkdir()
    env = tmp_path / "cms.env"
    env.write_text((DEPLOY / "cms.env.example").read_text())
    names = {
        "cms-web@.service": "cms-web@8001.service",
        "cms-worker.service": None,
        "cms-migrate.service": None,
    }
    units = []
    for name, instance in names.items():
        text = (
            (DEPLOY / name).read_text().replace("/srv/cms", str(root)).replace("/etc/cms/cms.env", str(env))
        )
        text = text.replace("User=cms", "User=root").replace("Group=cms", "Group=root")
        target = tmp_path / (instance or name)
        target.write_text(text)
        units.append(str(target))
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if str(tmp_path) in line or "cms" in line]
    assert result.returncode == 0, result.stderr
    assert problems == [], result.stderr


@pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (apt-get install -y nginx-light)"
)
def test_the_nginx_configuration_is_accepted(tmp_path: Path) -> None:
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  proxy_temp_path {tmp_path};\n"
        f"  include {DEPLOY / 'nginx.conf'};\n}}\n"
    )
    result = subprocess.run(["nginx", "-t", "-c", str(main)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_environment_example_names_only_documented_settings() -> None:
    from cms.settings import DOCUMENTATION

    names = {
        line.lstrip("#").split("=", 1)[0]
        for line in (DEPLOY / "cms.env.example").read_text().splitlines()
        if line.lstrip("#").startswith("CMS_")
    }
    undocumented = sorted(n for n in names if n not in DOCUMENTATION)
    assert undocumented == [], undocumented
