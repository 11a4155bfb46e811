#!/usr/bin/env python3
"""Image pipeline figures: what renders cost, what an anonymous client can make us spend, and
what serving a cached rendition costs from the folder and from S3.

Why: the cost of a cold rendition (paid once per rendition, ever) bounds what an anonymous client
can cause, and the cached figure is what every later request costs.

1. Renders, in process: typical originals (a 2-MP web upload, a 12-MP phone photo) and a 24-MP one,
   each made into the renditions people ask for and into the most expensive ones (4000 px PNG and
   AVIF). Wall and CPU time (all threads), median of --repeat.
2. The worst case: how many distinct renditions one image can have now that asks are snapped to
   the ladder (counted by resolving every width, height, fit and shape), times the slowest render.
3. Serving (unless --no-serve): `cms serve` with one worker on CPU 0, wrk -t1 -c16 on CPU 1, on a
   fresh SQLite database, first with CMS_MEDIA_STORAGE=file, then on S3 (moto's server in this
   process, so its Python costs are in the S3 figure: a real S3 adds network latency instead).

    .venv/bin/python bench/images.py [--duration 10] [--repeat 3] [--no-serve]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run as bench  # bench/run.py: server, wrk and parsing helpers
from PIL import Image

from cms.media.geometry import Fit
from cms.media.ladder import ASPECT_RATIOS, DEFAULT_WIDTHS, QUALITIES, Ladder
from cms.media.renditions import OutputFormat, Spec, render, render_units
from cms.media.resolve import Ask, Original, resolve
from cms.media.signing import signed_path

LUA = """\
wrk.method = "GET"
gql_errors = 0
first_error = ""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status ~= 200 then
    gql_errors = gql_errors + 1
    if first_error == "" then first_error = tostring(status) end
  end
end
function done(summary, latency, per_thread)
  local errs = 0
  for _, t in ipairs(threads) do errs = errs + (t:get("gql_errors") or 0) end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d bytes=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f " ..
    "connect=%d read=%d write=%d status=%d timeout=%d gql_errors=%d\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, errs))
end
"""

ORIGINALS = {
    "2 MP (1920x1280)": (1920, 1280),
    "12 MP (4032x3024)": (4032, 3024),
    "24 MP (6000x4000)": (6000, 4000),
}
RENDITIONS = {
    "w400 JPEG": Spec(width=400),
    "w800 WebP": Spec(width=800, format=OutputFormat.WEBP),
    "w1000 1:1 COVER WebP": Spec(width=1000, height=1000, fit=Fit.COVER, format=OutputFormat.WEBP),
    "w2000 JPEG": Spec(width=2000),
    "w4000 JPEG q90": Spec(width=4000, quality=90),
    "w4000 AVIF": Spec(width=4000, format=OutputFormat.AVIF),
    "w4000 PNG": Spec(width=4000, format=OutputFormat.PNG),
}


def photo(width: int, height: int) -> bytes:
    """Noise and gradients, so the encoders have real work (a flat image is free)."""
    noise = Image.effect_noise((width // 4, height // 4), 60).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    red = Image.linear_gradient("L").resize((width, height))
    blue = red.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    out = io.BytesIO()
    Image.merge("RGB", (red, noise, blue)).save(out, "JPEG", quality=90)
    return out.getvalue()


def time_render(data: bytes, spec: Spec, repeat: int) -> tuple[float, float, int]:
    """Median wall ms, median CPU ms (every thread of the process), output bytes."""
    walls, cpus, size = [], [], 0
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        out, _ = render(data, spec, max_size=4000)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        size = len(out)
    return statistics.median(walls), statistics.median(cpus), size


def renditions_per_image(width: int, height: int) -> dict[str, int]:
    """Distinct rendition names one image can be signed for, per format and quality: every width
    and height from 1 to 4000 lands on a ladder step, so resolving the steps finds them all."""
    ladder = Ladder.build(DEFAULT_WIDTHS, 4000)
    original = Original("ab" * 32, width, height, "JPEG", (0.3, 0.6))
    counts = {}
    for fit in Fit:
        names = {resolve(original, Ask(), ladder=ladder, max_size=4000).spec.name()}
        for w, h in itertools.product([None, *ladder.widths], repeat=2):
            names.add(resolve(original, Ask(w, h, fit), ladder=ladder, max_size=4000).spec.name())
        if fit is not Fit.SCALE_DOWN:
            for w, ratio in itertools.product(ladder.widths, ASPECT_RATIOS):
                ask = Ask(w, max(1, round(w / ratio)), fit)
                names.add(resolve(original, ask, ladder=ladder, max_size=4000).spec.name())
        counts[fit.name] = len(names)
    return counts


def report_renders(repeat: int) -> tuple[float, float]:
    """The table; returns the slowest render and the most CPU ms per render unit, both in CPU ms."""
    print("\n| original | rendition | wall ms | CPU ms | units | bytes |\n|---|---|---:|---:|---:|---:|")
    worst = per_unit = 0.0
    for label, (width, height) in ORIGINALS.items():
        data = photo(width, height)
        bench.log(f"{label}: {len(data) / 1e6:.1f} MB JPEG")
        for name, spec in RENDITIONS.items():
            wall, cpu, size = time_render(data, spec, repeat)
            units = render_units(spec)
            worst, per_unit = max(worst, cpu), max(per_unit, cpu / units)
            print(f"| {label} | {name} | {wall:.0f} | {cpu:.0f} | {units} | {size:,} |", flush=True)
    return worst, per_unit


def report_worst_case(worst_cpu_ms: float, per_unit_ms: float) -> None:
    counts = renditions_per_image(6000, 4000)
    per_format = sum(counts.values())  # overlaps (a one-sided COVER ask is a SCALE_DOWN) counted once each
    variants = 3 * (len(QUALITIES) + 1) + 1  # JPEG, WebP, AVIF at 5 qualities; PNG has none
    per_image = per_format * variants
    print(f"\ndistinct renditions per 24-MP image, per format and quality: {counts} (sum {per_format})")
    print(f"with 4 formats and the qualities: {per_image:,} per image (before the ladder: ~10^10)")
    print(f"slowest render measured: {worst_cpu_ms:.0f} CPU ms")
    for limit in (10, 30, 60):
        cpu_s = limit * worst_cpu_ms / 1000
        print(
            f"an anonymous client allowed {limit} first renders a minute: at most {cpu_s:.0f} CPU s "
            f"a minute ({cpu_s / 60:.0%} of one core) and {limit} new files"
        )
    for budget in (60, 120, 300):
        cpu_s = budget * per_unit_ms / 1000
        print(
            f"a limiter charging render_units, {budget} units a minute per client: at most {cpu_s:.0f} CPU s "
            f"a minute ({cpu_s / 60:.0%} of one core); {per_unit_ms:.0f} CPU ms per unit at most"
        )
    print(
        f"unlimited (no limiter wired in): all renditions of N images cost up to N x {per_image:,} x "
        f"{worst_cpu_ms / 1000:.1f} s = N x {per_image * worst_cpu_ms / 3.6e6:.0f} CPU hours"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process tree: what serving costs whatever else the machine is doing."""
    ticks = 0
    for member in bench.process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process's CPU: moto's server runs in a thread of it."""
    usage = os.times()
    return usage.user + usage.system


@contextmanager
def moto_s3() -> Iterator[str]:
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = bench.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    ).create_bucket(Bucket="cms-bench")
    try:
        yield endpoint
    finally:
        server.stop()


def serve_cached(store: str, data: bytes, args: argparse.Namespace, extra_env: dict[str, str]) -> str:
    cms = bench.REPO_ROOT / ".venv" / "bin" / "cms"
    with tempfile.TemporaryDirectory(prefix="cms-bench-images-") as tmp:
        workdir = Path(tmp)
        env = bench.cms_env(f"sqlite:///{workdir / 'cms.db'}", workdir / "media", [])
        env.update(extra_env)
        bench.run_cms(cms, ["migrate"], env, workdir)
        source_file = workdir / "photo.jpg"
        source_file.write_bytes(data)
        bench.run_cms(
            cms,
            ["image", "add", str(source_file), "--creator", "Bench", "--license", "CC0-1.0"],
            env,
            workdir,
        )
        path = signed_path(env["CMS_SECRET_KEY"], hashlib.sha256(data).hexdigest(), "w800.webp")
        script = workdir / "rendition.lua"
        script.write_text(LUA)
        with bench.running_server(cms, env, workdir, args.server_cpu, bench.free_port(), 30) as (
            base_url,
            pid,
        ):
            started = time.perf_counter()
            with bench.OPENER.open(base_url + path, timeout=60) as response:
                size = len(response.read())
            cold = (time.perf_counter() - started) * 1000
            url = base_url + path
            bench.run_wrk(url, script, args.warmup, args, check=False, verbose=args.verbose)
            server_cpu, store_cpu = cpu_seconds(pid), own_cpu_seconds()
            result = bench.run_wrk(url, script, args.duration, args, check=False, verbose=args.verbose)
            server_cpu, store_cpu = cpu_seconds(pid) - server_cpu, own_cpu_seconds() - store_cpu
            rss = bench.peak_rss_mb(pid)
    per_request = server_cpu * 1000 / max(1, result.requests)
    store_share = store_cpu * 1000 / max(1, result.requests) if store != "file" else 0.0
    return (
        f"| {store} | {cold:.0f} | {result.rps:,.0f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
        f"{per_request:.2f} | {store_share:.2f} | {result.gql_errors + result.socket_errors} | {size:,} | "
        f"{rss or 0:.0f} |"
    )


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-serve", action="store_true", help="only the render figures")
    parser.add_argument("--no-renders", action="store_true", help="only the serving figures")
    parser.add_argument("--stores", default="file,s3", help="which stores to serve from: file, s3 or both")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    if not args.no_renders:
        worst, per_unit = report_renders(args.repeat)
        report_worst_case(worst, per_unit)
    if args.no_serve:
        return
    bench.require_tool("wrk", "apt-get install wrk")
    data = photo(6000, 4000)
    stores = set(args.stores.split(","))
    rows = [serve_cached("file", data, args, {})] if "file" in stores else []
    if "s3" in stores:
        with moto_s3() as endpoint:
            s3_env = {
                "CMS_MEDIA_STORAGE": "s3://cms-bench/media",
                "CMS_S3_ENDPOINT_URL": endpoint,
                "CMS_S3_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "bench"),
                "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "bench"),
            }
            rows.append(serve_cached("s3 (moto)", data, args, s3_env))
    print(
        "\n| store | first request ms (render + store + serve) | cached req/s | p50 ms | p99 ms "
        "| app CPU ms/request | moto CPU ms/request | errors | bytes | peak RSS MB |"
        "\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
