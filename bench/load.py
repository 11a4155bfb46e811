#!/usr/bin/env python3
"""A bounded load test: many clients reading, searching, writing and uploading at once.

Why: a benchmark of one operation at a time says nothing about what a busy morning does to the
server. This runs `cms serve` (one worker, the demo content) and, for --seconds, --clients
concurrent clients doing what a site sees: public reads and searches, editors saving and
publishing, image uploads. It passes only if no request got a 5xx, a socket error or a GraphQL error, every
write the server acknowledged is there afterwards, and memory stays flat (the server's RSS in the
last quarter of the run no more than --rss-growth times the second quarter's). It prints req/s,
latency percentiles per kind and RSS over time.

    .venv/bin/python bench/load.py                        # 60 s, 32 clients, SQLite
    .venv/bin/python bench/load.py --seconds 10            # what CI runs
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/cms_load
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
CMS = [sys.executable, "-c", "from cms.cli import app; app()"]

LIST = (
    "query List($after: String) { articles(first: 10, after: $after) { totalCount pageInfo { endCursor }"
    " edges { node { id title slug publishedAt authors { name }"
    " leadImage { url(width: 640) credit { line } } } } } }"
)
ARTICLE = """query One($slug: String!) {
  article(slug: $slug) { title bodyHtml section { name } authors { name bio } } }"""
SEARCH = "query Find($q: String!) { search(query: $q, first: 10) { totalCount edges { node { title } } } }"
CREATE = """mutation Create($input: ArticleInput!) { createArticle(input: $input) {
  article { id version } userErrors { code message } } }"""
UPDATE = """mutation Save($id: ID!, $input: ArticleInput!, $v: Int!) {
  updateArticle(id: $id, input: $input, expectedVersion: $v, publish: true) {
  article { id version title } userErrors { code message } } }"""
UPLOAD = """mutation Up($file: Upload!) { uploadImage(file: $file, input: {title: "Load", alt: "A test card",
  creator: "Bench", licenseCode: "CC-BY-4.0"}) { image { id } userErrors { code message } } }"""
CHECK_ARTICLE = "query Check($id: ID!) { node(id: $id) { ... on Article { title } } }"
CHECK_IMAGE = "query Check($id: ID!) { node(id: $id) { ... on Image { id } } }"
WORDS = ["sanctions", "alliance", "harbour", "energy", "policy -tariffs", "north korea", "trade"]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # article id -> last acknowledged title
    images: list[str] = field(default_factory=list)

    def record(self, kind: str, started: float, status: int) -> None:
        self.latencies[kind].append((time.monotonic() - started) * 1000)
        self.statuses[status] += 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    total = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total = int(line.split()[1])
    return total / 1024


def _picture(index: int) -> bytes:
    image = Image.new("RGB", (640 + index % 7 * 40, 480), (index * 37 % 256, index * 91 % 256, 120))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


async def _post(client: httpx.AsyncClient, tally: Tally, kind: str, query: str, variables: dict[str, Any],
                token: str | None = None) -> Any:  # fmt: skip
    headers = {"authorization": f"Bearer {token}"} if token else {}
    started = time.monotonic()
    try:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    except httpx.HTTPError as exc:
        tally.failures.append(f"{kind}: {type(exc).__name__} {exc}")
        tally.record(kind, started, 0)
        return None
    tally.record(kind, started, response.status_code)
    if response.status_code >= 500:
        tally.failures.append(f"{kind}: HTTP {response.status_code} {response.text[:200]}")
        return None
    body = response.json()
    if body.get("errors"):
        tally.failures.append(f"{kind}: {body['errors'][0].get('message')}")
    return body.get("data")


async def _reader(client: httpx.AsyncClient, tally: Tally, slugs: list[str], stop: float) -> None:
    after = None
    while time.monotonic() < stop:
        roll = random.random()
        if roll < 0.45:
            data = await _post(client, tally, "list", LIST, {"after": after})
            page = (data or {}).get("articles") or {}
            after = (page.get("pageInfo") or {}).get("endCursor") if random.random() < 0.7 else None
        elif roll < 0.8:
            await _post(client, tally, "article", ARTICLE, {"slug": random.choice(slugs)})
        else:
            await _post(client, tally, "search", SEARCH, {"q": random.choice(WORDS)})


async def _editor(client: httpx.AsyncClient, tally: Tally, token: str, author: str, stop: float) -> None:
    number = 0
    while time.monotonic() < stop:
        number += 1
        title = f"Load test {os.getpid()} {id(tally) % 1000} {random.randrange(10**9)}"
        fields = {"title": title, "bodyMarkdown": "Hello.", "authorSlugs": [author]}
        data = await _post(client, tally, "write", CREATE, {"input": fields}, token)
        payload = (data or {}).get("createArticle") or {}
        if not payload.get("article"):
            continue
        pk, version = payload["article"]["id"], payload["article"]["version"]
        tally.titles[pk] = title
        for edit in range(2):
            newer = f"{title} edit {edit}"
            data = await _post(client, tally, "write", UPDATE,
                               {"id": pk, "input": {"title": newer}, "v": version}, token)  # fmt: skip
            saved = ((data or {}).get("updateArticle") or {}).get("article")
            if saved:
                version = saved["version"]
                tally.titles[pk] = saved["title"]


async def _uploader(client: httpx.AsyncClient, tally: Tally, token: str, stop: float) -> None:
    index = 0
    while time.monotonic() < stop:
        index += 1
        operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
        started = time.monotonic()
        try:
            response = await client.post(
                "/graphql",
                data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
                files={"0": (f"card{index}.jpg", _picture(index), "image/jpeg")},
                headers={"authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            tally.failures.append(f"upload: {type(exc).__name__} {exc}")
            tally.record("upload", started, 0)
            continue
        tally.record("upload", started, response.status_code)
        if response.status_code >= 500:
            tally.failures.append(f"upload: HTTP {response.status_code}")
            continue
        image = (((response.json().get("data") or {}).get("uploadImage")) or {}).get("image")
        if image:
            tally.images.append(image["id"])
        await asyncio.sleep(0.5)


async def _sample_rss(pid: int, stop: float, samples: list[tuple[float, float]]) -> None:
    began = time.monotonic()
    while time.monotonic() < stop:
        samples.append((time.monotonic() - began, _rss_mb(pid)))
        await asyncio.sleep(1.0)


async def _verify(client: httpx.AsyncClient, tally: Tally, token: str) -> list[str]:
    """Every acknowledged write is there, as acknowledged."""
    missing = []
    for pk, title in tally.titles.items():
        data = await _post(client, Tally(), "check", CHECK_ARTICLE, {"id": pk}, token)
        found = (data or {}).get("node") or {}
        if found.get("title") != title:
            missing.append(f"article {pk}: expected {title!r}, found {found.get('title')!r}")
    for pk in tally.images:
        data = await _post(client, Tally(), "check", CHECK_IMAGE, {"id": pk}, token)
        if not (data or {}).get("node"):
            missing.append(f"image {pk} is missing")
    return missing


async def _run(base: str, pid: int, args: argparse.Namespace, token: str) -> int:
    limits = httpx.Limits(max_connections=args.clients + 4)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        first = await _post(
            client,
            Tally(),
            "setup",
            "{ articles(first: 50) { edges { node { slug authors { slug } } } } }",
            {},
        )
        edges = first["articles"]["edges"]
        slugs = [edge["node"]["slug"] for edge in edges]
        author = next(a["slug"] for edge in edges for a in edge["node"]["authors"])
        tally = Tally()
        stop = time.monotonic() + args.seconds
        editors, uploaders = max(1, args.clients // 8), max(1, args.clients // 16)
        readers = args.clients - editors - uploaders
        samples: list[tuple[float, float]] = []
        began = time.monotonic()
        await asyncio.gather(
            _sample_rss(pid, stop, samples),
            *(_reader(client, tally, slugs, stop) for _ in range(readers)),
            *(_editor(client, tally, token, author, stop) for _ in range(editors)),
            *(_uploader(client, tally, token, stop) for _ in range(uploaders)),
        )
        elapsed = time.monotonic() - began
        missing = await _verify(client, tally, token)
    return _report(args, tally, samples, elapsed, missing, readers, editors, uploaders)


def _report(args: argparse.Namespace, tally: Tally, samples: list[tuple[float, float]], elapsed: float,
            missing: list[str], readers: int, editors: int, uploaders: int) -> int:  # fmt: skip
    total = sum(len(v) for v in tally.latencies.values())
    print(
        f"{args.seconds} s, {args.clients} clients "
        f"({readers} readers, {editors} editors, {uploaders} uploaders)"
    )
    print(f"{total} requests, {total / elapsed:.0f} req/s; statuses {dict(sorted(tally.statuses.items()))}")
    print(f"{'kind':8} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, values in sorted(tally.latencies.items()):
        q = statistics.quantiles(values, n=100) if len(values) > 1 else values * 99
        print(f"{kind:8} {len(values):7} {q[49]:8.1f} {q[94]:8.1f} {q[98]:8.1f}")
    print(
        "RSS MB over time: "
        + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in samples[:: max(1, len(samples) // 12)])
    )
    print(
        f"acknowledged writes: {len(tally.titles)} articles, {len(tally.images)} images; "
        f"missing: {len(missing)}"
    )
    problems = []
    server_errors = sum(n for status, n in tally.statuses.items() if status >= 500 or status == 0)
    if server_errors:
        problems.append(f"{server_errors} requests got a 5xx or no answer: {tally.failures[:5]}")
    if missing:
        problems.append(f"acknowledged writes missing: {missing[:5]}")
    quarter = max(1, len(samples) // 4)
    if len(samples) >= 8:
        early = statistics.median(mb for _, mb in samples[quarter : 2 * quarter])
        late = statistics.median(mb for _, mb in samples[-quarter:])
        print(f"RSS median second quarter {early:.0f} MB, last quarter {late:.0f} MB")
        if late > early * args.rss_growth:
            problems.append(f"memory grew from {early:.0f} MB to {late:.0f} MB")
    other = [f for f in tally.failures if "HTTP 5" not in f]
    if other:
        problems.append(f"{len(other)} answers carried GraphQL errors, e.g. {other[:3]}")
    for problem in problems:
        print("FAIL:", problem)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", help="default: a SQLite file in a temp dir")
    parser.add_argument("--rss-growth", type=float, default=1.25, help="allowed late/early RSS ratio")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cms-load-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CMS_")}
        env.update(
            CMS_DATABASE_URL=args.database_url or f"sqlite:///{tmp}/load.db", CMS_MEDIA_ROOT=f"{tmp}/media",
            CMS_SECRET_KEY="load", CMS_RATE_LIMIT_ANONYMOUS="100000000/minute",
            CMS_RATE_LIMIT_TOKEN="100000000/minute", CMS_RATE_LIMIT_RENDERS="100000000/minute",
        )  # fmt: skip
        if args.database_url and args.database_url.startswith("postgresql"):
            print("note: the PostgreSQL database must be empty or migrated; demo content is added")
        for command in (["migrate"], ["demo"]):
            subprocess.run([*CMS, *command], env=env, cwd=tmp, check=True, capture_output=True)
        create = [*CMS, "token", "create", "--role", "editor", "--name", "load"]
        made = subprocess.run(create, env=env, cwd=tmp,
                              check=True, capture_output=True, text=True)  # fmt: skip
        token = made.stdout.strip().splitlines()[-1]
        port = _free_port()
        with open(f"{tmp}/server.log", "wb") as log:
            server = subprocess.Popen(
                [*CMS, "serve", "--port", str(port)], env=env, cwd=tmp, stdout=log, stderr=log
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    print(Path(f"{tmp}/server.log").read_text())
                    return 2
                time.sleep(0.2)
            code = asyncio.run(_run(base, server.pid, args, token))
        finally:
            server.terminate()
            server.wait(timeout=20)
        errors = [line for line in Path(f"{tmp}/server.log").read_text().splitlines() if "Traceback" in line]
        if errors:
            print(f"FAIL: the server logged {len(errors)} tracebacks")
            print(Path(f"{tmp}/server.log").read_text()[-3000:])
            return 1
        return code


if __name__ == "__main__":
    sys.exit(main())
