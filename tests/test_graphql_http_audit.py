"""The GraphQL-over-HTTP audit suite (npm graphql-http) against a real server: every MUST and SHOULD.

It runs where the audit is installed: `.ci/run` installs it and points CMS_HTTP_AUDIT_DIR at it
(`npm install graphql-http@1 graphql@16` in any folder). Elsewhere it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

AUDIT_DIR = os.environ.get("CMS_HTTP_AUDIT_DIR")
pytestmark = pytest.mark.skipif(
    not AUDIT_DIR
    or not (Path(AUDIT_DIR) / "node_modules" / "graphql-http").is_dir()
    or not shutil.which("node"),
    reason="the graphql-http audit is not installed (set CMS_HTTP_AUDIT_DIR; see the module docstring)",
)

SCRIPT = """
import { auditServer } from 'graphql-http';
const results = await auditServer({ url: process.argv[2] });
console.log(JSON.stringify(results.map((r) => ({ id: r.id, name: r.name, status: r.status }))));
"""


def test_every_graphql_over_http_audit_passes_including_the_shoulds(server: str, tmp_path: Path) -> None:
    assert AUDIT_DIR is not None
    script = Path(AUDIT_DIR) / "cms-audit.mjs"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        ["node", str(script), f"{server}/graphql"], capture_output=True, text=True, timeout=120, check=True
    )
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) > 50
    assert [r for r in results if r["status"] != "ok"] == []
