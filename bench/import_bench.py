"""Time `cms import` (and optionally `cms export` + restore) on the standard corpus, with peak RSS.

    .venv/bin/python bench/import_bench.py --sizes 100000 --backends sqlite,postgres
    .venv/bin/python bench/import_bench.py --sizes 6325 --backup      # also time a backup and its restore

Each run gets a fresh database (a temp SQLite file, or `--postgres-url` dropped and recreated), runs
`cms migrate`, then `cms import DIR/N` as a child process, and reports its wall time, CPU time
(user + system: what a shared machine distorts least) and peak RSS (the child's ru_maxrss).
Corpora come from ../shared/bench/make_corpus.py and are kept in `--corpus-dir`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAKE_CORPUS = HERE.parent.parent.parent / "shared" / "bench" / "make_corpus.py"


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_mb: float


def run_child(argv: list[str], env: dict[str, str]) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{stderr}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def corpus_for(size: int, folder: Path) -> Path:
    target = folder / str(size)
    if not (target / "articles.jsonl").is_file():
        script = MAKE_CORPUS if MAKE_CORPUS.is_file() else Path("../shared/bench/make_corpus.py")
        subprocess.run([sys.executable, str(script), str(size), "--out", str(folder)], check=True)
    return target


def fresh_database(backend: str, workdir: Path, postgres_url: str, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / (name + '.db')}"
    base, _, database = postgres_url.rpartition("/")
    database = f"{database}_{name}"
    admin = base.replace("postgresql+psycopg://", "postgresql://") + "/test"
    for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", admin, "-qc", sql], check=True, capture_output=True)
    return f"{base}/{database}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--backends", default="sqlite")
    parser.add_argument("--corpus-dir", type=Path, default=HERE / "data")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/cms_bench")
    parser.add_argument("--cms", default=str(Path(sys.executable).parent / "cms"))
    parser.add_argument("--backup", action="store_true", help="also time `cms export` and its restore")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="cms-import-bench-") as tmp:
        workdir = Path(tmp)
        for size in [int(s) for s in args.sizes.split(",")]:
            corpus = corpus_for(size, args.corpus_dir)
            for backend in args.backends.split(","):
                env = {k: v for k, v in os.environ.items() if not k.startswith("CMS_")}
                env |= {"CMS_MEDIA_ROOT": str(workdir / "media"), "CMS_SECRET_KEY": "bench"}
                env["CMS_DATABASE_URL"] = fresh_database(backend, workdir, args.postgres_url, "import")
                run_child([args.cms, "migrate"], env)
                result = run_child([args.cms, "import", str(corpus)], env)
                rows.append((backend, size, "import", result))
                print(f"{backend} {size} import: {result}", file=sys.stderr)
                if args.backup:
                    out = workdir / "backup"
                    shutil.rmtree(out, ignore_errors=True)
                    rows.append((backend, size, "export", run_child([args.cms, "export", str(out)], env)))
                    env["CMS_DATABASE_URL"] = fresh_database(backend, workdir, args.postgres_url, "restore")
                    run_child([args.cms, "migrate"], env)
                    rows.append((backend, size, "restore", run_child([args.cms, "import", str(out)], env)))
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
    print(f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; commit {commit.strip()}")
    print(f"- Machine: {cpu}, nproc {os.cpu_count()}, Python {platform.python_version()}")
    with contextlib.suppress(OSError):
        print(f"- Load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print()
    print("| backend | articles | step | wall s | CPU s (user+sys) | peak RSS MB |")
    print("|---|---:|---|---:|---:|---:|")
    for backend, size, step, r in rows:
        print(f"| {backend} | {size} | {step} | {r.wall_s:.1f} | {r.cpu_s:.1f} | {r.peak_mb:.0f} |")


if __name__ == "__main__":
    main()
