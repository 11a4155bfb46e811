#!/usr/bin/env python3
"""Sitemaps at scale: time /sitemap.xml, every /sitemaps/articles-N.xml and /sitemaps/news.xml against
`cms serve` on a generated corpus (100,000 articles by default), and check that the pages list every
published article exactly once.

    .venv/bin/python bench/sitemap.py                         # SQLite, 100,000 articles
    .venv/bin/python bench/sitemap.py --backend postgres      # the local PostgreSQL (cms_bench)
    .venv/bin/python bench/sitemap.py --size 6325 --repeat 3  # a quick run

It reuses bench/run.py's corpus, import and server helpers (the server is pinned to CPU 0). Each
document is fetched once cold (the first request after start-up), then --repeat times; the median and the
largest warm time are reported with the body size, and one If-None-Match request shows the 304 path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # a script beside this one, not a package
    DEFAULT_CORPUS_SCRIPT,
    DEFAULT_POSTGRES_URL,
    OPENER,
    REPO_ROOT,
    BenchError,
    cms_env,
    command_output,
    ensure_corpus,
    free_port,
    log,
    reset_postgres,
    run_cms,
    running_server,
)

_LOC = re.compile(rb"<loc>([^<]+)</loc>")


@dataclass
class Timing:
    path: str
    cold_ms: float
    median_ms: float
    max_ms: float
    bytes: int
    urls: int
    not_modified_ms: float


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str], float]:
    request = urllib.request.Request(url, headers=headers or {})
    start = time.perf_counter()
    try:
        with OPENER.open(request, timeout=120) as response:
            body = response.read()
            status, found = response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        body, status, found = exc.read(), exc.code, {k.lower(): v for k, v in exc.headers.items()}
    return status, body, found, (time.perf_counter() - start) * 1000


def measure(base: str, path: str, repeat: int) -> tuple[Timing, list[bytes]]:
    status, body, headers, cold = fetch(base + path)
    if status != 200:
        raise BenchError(f"GET {path} answered {status}: {body[:500]!r}")
    warm = []
    for _ in range(repeat):
        status, body, headers, elapsed = fetch(base + path)
        warm.append(elapsed)
    status, _, _, not_modified = fetch(base + path, {"If-None-Match": headers["etag"]})
    if status != 304:
        raise BenchError(f"GET {path} with its own ETag answered {status}, not 304")
    locs = _LOC.findall(body)
    timing = Timing(path, cold, statistics.median(warm), max(warm), len(body), len(locs), not_modified)
    return timing, locs


def published_count(base: str) -> int:
    query = json.dumps({"query": "{ articles(first: 1) { totalCount } }"}).encode()
    request = urllib.request.Request(
        base + "/graphql", data=query, headers={"Content-Type": "application/json"}
    )
    with OPENER.open(request, timeout=60) as response:
        return int(json.loads(response.read())["data"]["articles"]["totalCount"])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--corpus-dir", type=Path, default=REPO_ROOT / "bench" / "data")
    parser.add_argument("--corpus-script", type=Path, default=DEFAULT_CORPUS_SCRIPT)
    parser.add_argument("--cms", type=Path, default=Path(sys.executable).parent / "cms")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--env", action="append", default=[], help="extra CMS_NAME=value for the server")
    args = parser.parse_args()
    try:
        return run(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def run(args: argparse.Namespace) -> int:
    corpus = ensure_corpus(args.corpus_script, args.size, args.corpus_dir)
    with tempfile.TemporaryDirectory(prefix="cms-sitemap-bench-") as tmp:
        workdir = Path(tmp)
        if args.backend == "postgres":
            reset_postgres(args.postgres_url, "test")
            database_url = args.postgres_url
        else:
            database_url = f"sqlite:///{workdir / 'bench.db'}"
        env = cms_env(database_url, workdir / "media", args.env)
        run_cms(args.cms, ["migrate"], env, workdir)
        log(f"cms import {corpus}")
        import_s = run_cms(args.cms, ["import", str(corpus)], env, workdir)
        log(f"imported in {import_s:.1f} s")
        port = free_port()
        env["CMS_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
        with running_server(args.cms, env, workdir, 0, port, 60) as (base, _pid):
            expected = published_count(base)
            index, page_urls = measure(base, "/sitemap.xml", args.repeat)
            timings = [index]
            listed: list[bytes] = []
            for url in page_urls:
                path = url.decode().removeprefix(base)
                timing, locs = measure(base, path, args.repeat)
                timings.append(timing)
                if "/articles-" in path:
                    listed.extend(locs)
        if len(listed) != expected or len(set(listed)) != expected:
            raise BenchError(
                f"the sitemap pages list {len(listed)} URLs ({len(set(listed))} distinct); "
                f"{expected} articles are published"
            )
        log(f"the pages list all {expected} published articles once each")
    print_table(args, timings, expected)
    return 0


def print_table(args: argparse.Namespace, timings: list[Timing], published: int) -> None:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )  # fmt: skip
    commit = command_output(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], any_status=True)
    print()
    print(
        f"### Sitemaps, {args.backend}, {args.size:,} articles ({published:,} published), "
        f"{dt.date.today().isoformat()}"
    )
    print()
    print(f"{cpu}, nproc {command_output(['nproc']).strip()}, commit {commit.strip()}; server on CPU 0.")
    print()
    print("| document | URLs | bytes | cold ms | median ms | max ms | 304 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in timings:
        print(
            f"| `{t.path}` | {t.urls:,} | {t.bytes:,} | {t.cold_ms:.0f} | {t.median_ms:.0f} | "
            f"{t.max_ms:.0f} | {t.not_modified_ms:.1f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
