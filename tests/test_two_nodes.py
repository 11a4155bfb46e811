"""Two `cms serve` processes on one database, one Redis and one media store, as a publisher that
outgrew one machine runs them: what one node does, the other knows."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pytest
from PIL import Image as PILImage

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.settings import Settings

from .conftest import _free_port
from .factories import Seeder
from .test_editorial_api import token_for
from .test_media_intake import photo, save

TITLES = "{ articles(first: 5) { edges { node { title } } } }"


@dataclass
class Node:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def _address() -> str:
    """A client address of this test's own, so runs sharing one Redis never share a count."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture
def nodes(settings: Settings, tmp_path: Path, redis_url: str) -> Iterator[list[Node]]:
    env = {
        **os.environ,
        "CMS_DATABASE_URL": settings.database_url,
        "CMS_MEDIA_ROOT": str(settings.media_root),
        "CMS_REDIS_URL": redis_url,
        "CMS_SECRET_KEY": settings.secret_key,
        "CMS_BASE_URL": "https://example.org",
        # Far apart, so only Redis can explain one node hearing of the other's writes in time.
        "CMS_CACHE_POLL": "60s",
        "CMS_TRUSTED_PROXIES": "127.0.0.1",
        "CMS_RATE_LIMIT_ANONYMOUS": "4/day",
        "CMS_WORKER": "off",
    }
    started = []
    for number in range(2):
        port = _free_port()
        command = [sys.executable, "-c", "from cms.cli import app; app()", "serve", "--port", str(port)]
        log = tmp_path / f"node{number}.log"
        with log.open("wb") as output:  # a file, not a pipe: a pipe nobody reads would stall the server
            process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=output, stderr=output)
        started.append(Node(f"http://127.0.0.1:{port}", process, log))
    try:
        for node in started:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(node.url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if node.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"cms serve did not start: {node.log.read_text()}")
                time.sleep(0.1)
        yield started
    finally:
        for node in started:
            node.process.terminate()
        for node in started:
            node.process.wait(timeout=15)


def _titles(node: Node) -> list[str]:
    answer = httpx.get(
        node.url + "/graphql", params={"query": TITLES}, headers={"x-forwarded-for": _address()}
    )
    assert answer.status_code == 200, answer.text
    return [edge["node"]["title"] for edge in answer.json()["data"]["articles"]["edges"]]


def test_a_publish_through_one_node_is_visible_through_the_other_at_once(
    nodes: list[Node], seed: Seeder, db: Database
) -> None:
    one, two = nodes
    author = seed.author("Jane Example")
    seed.article("Already out", author_ids=[author])
    draft = seed.article("Fresh news", state="draft", author_ids=[author])
    assert _titles(two) == ["Already out"]  # now in node two's cache
    publish = "mutation($id: ID!) { publishArticle(id: $id) { userErrors { code message } } }"
    done = httpx.post(
        one.url + "/graphql",
        json={"query": publish, "variables": {"id": to_global_id("Article", draft)}},
        headers={"authorization": f"Bearer {token_for(db, 'editor')}"},
    )
    assert done.json()["data"]["publishArticle"]["userErrors"] == []
    deadline = time.monotonic() + 1.0  # the poll is 60 s away: only the push can make this
    while "Fresh news" not in _titles(two):
        assert time.monotonic() < deadline, "node two still serves the old answer"
        time.sleep(0.02)


def test_rate_limits_are_counted_across_both_nodes(nodes: list[Node]) -> None:
    one, two = nodes
    client = {"x-forwarded-for": _address()}
    statuses = [
        httpx.get(node.url + "/graphql", params={"query": "{ __typename }"}, headers=client).status_code
        for node in (one, two, one, two, one)
    ]
    assert statuses == [200, 200, 200, 200, 429]


def test_a_rendition_made_on_one_node_is_served_by_the_other(
    nodes: list[Node], seed: Seeder, db: Database
) -> None:
    one, two = nodes
    token = token_for(db, "editor")
    upload = """mutation($file: Upload!) {
      uploadImage(file: $file,
                  input: {title: "Harbour", alt: "A harbour", creator: "Jane", licenseCode: "CC-BY-2.0"})
      { image { url(width: 400) } userErrors { code message } } }"""
    data = save(photo((1200, 800)), "JPEG", quality=90)
    answer = httpx.post(
        one.url + "/graphql",
        data={
            "operations": json.dumps({"query": upload, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("harbour.jpg", data, "image/jpeg")},
        headers={"authorization": f"Bearer {token}", "x-forwarded-for": _address()},
    )
    payload = answer.json()["data"]["uploadImage"]
    assert payload["userErrors"] == []
    path = httpx.URL(payload["image"]["url"]).raw_path.decode()
    made = httpx.get(one.url + path)
    assert made.status_code == 200
    served = httpx.get(two.url + path)
    assert served.status_code == 200
    assert served.content == made.content
    assert PILImage.open(io.BytesIO(served.content)).width < 1200  # a rendition, not the original
