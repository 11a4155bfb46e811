#!/usr/bin/env python3
"""Image pipeline figures: making an 800-px WebP from a 24-megapixel JPEG, and serving a cached rendition.

Why: issue 4 asks for both numbers, and they bound what an image-heavy front page costs. The first is
the price of a cold rendition (paid once per rendition, ever); the second is what every later request
costs. Setup as in bench/run.py: a fresh SQLite database, `cms serve` with one worker on CPU 0, wrk
(-t1 -c16) on CPU 1, a warm-up, then a measured run.

    .venv/bin/python bench/images.py [--duration 10] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run as bench  # bench/run.py: server, wrk and parsing helpers
from PIL import Image

from cms.media.renditions import OutputFormat, Spec, render
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


def photo_24mp() -> bytes:
    """6000 x 4000 with noise and gradients, so the encoder has real work (a flat image is free)."""
    noise = Image.effect_noise((1500, 1000), 60).resize((6000, 4000), Image.Resampling.BILINEAR)
    red = Image.linear_gradient("L").resize((6000, 4000))
    blue = red.transpose(Image.Transpose.ROTATE_90).resize((6000, 4000))
    out = io.BytesIO()
    Image.merge("RGB", (red, noise, blue)).save(out, "JPEG", quality=90)
    return out.getvalue()


def time_render(data: bytes, repeat: int) -> list[float]:
    spec = Spec(width=800, format=OutputFormat.WEBP)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        render(data, spec, max_size=4000)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    bench.require_tool("wrk", "apt-get install wrk")
    cms = bench.REPO_ROOT / ".venv" / "bin" / "cms"

    data = photo_24mp()
    bench.log(f"24-megapixel JPEG: {len(data) / 1e6:.1f} MB")
    times = time_render(data, args.repeat)
    bench.log(
        f"800-px WebP from it: median {statistics.median(times) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms over {args.repeat} runs"
    )

    with tempfile.TemporaryDirectory(prefix="cms-bench-images-") as tmp:
        workdir = Path(tmp)
        env = bench.cms_env(f"sqlite:///{workdir / 'cms.db'}", workdir / "media", [])
        bench.run_cms(cms, ["migrate"], env, workdir)
        source_file = workdir / "photo.jpg"
        source_file.write_bytes(data)
        add = ["image", "add", str(source_file), "--creator", "Bench", "--license", "CC0-1.0"]
        bench.run_cms(cms, add, env, workdir)
        (original,) = (workdir / "media" / "originals").rglob("*.jpg")
        path = signed_path(env["CMS_SECRET_KEY"], original.stem, "w800.webp")
        script = workdir / "rendition.lua"
        script.write_text(LUA)
        port = bench.free_port()
        with bench.running_server(cms, env, workdir, args.server_cpu, port, 30) as (base_url, pid):
            started = time.perf_counter()
            with bench.OPENER.open(base_url + path, timeout=60) as response:
                size = len(response.read())
            cold = time.perf_counter() - started
            bench.log(f"first request (renders and stores it): {cold * 1000:.0f} ms, {size} bytes")
            url = base_url + path
            bench.run_wrk(url, script, args.warmup, args, check=False, verbose=args.verbose)
            result = bench.run_wrk(url, script, args.duration, args, check=False, verbose=args.verbose)
            rss = bench.peak_rss_mb(pid)
    bench.log(
        f"cached rendition: {result.rps:.1f} req/s, p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms, "
        f"errors {result.gql_errors + result.socket_errors}, peak RSS {rss or 0:.1f} MB"
    )
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    print(
        f"| {statistics.median(times) * 1000:.0f} | {min(times) * 1000:.0f} | {cold * 1000:.0f} | "
        f"{result.rps:.1f} | {result.p50_ms:.2f} | {result.p99_ms:.2f} | "
        f"{result.gql_errors + result.socket_errors} | {size} |"
    )
    print(re.sub(r"\s+", " ", wrk_version.splitlines()[0] if wrk_version else "wrk ?"))


if __name__ == "__main__":
    main()
