#!/usr/bin/env python3
"""Vendor the files GraphiQL needs, so GET /graphql works with no internet.

    python3 scripts/fetch_graphiql.py          # fetch the pinned versions, write cms/web/static/graphiql/
    python3 scripts/fetch_graphiql.py --check  # offline: do the committed files match the pins?

The files are committed; run this only to change a version. It asks the npm
registry through the `npm` client (so the registry and proxy configured for npm
apply), refuses a tarball whose sha512 is not the one pinned below (and the one
the registry publishes), and copies each package's minified UMD build and its
LICENSE. It also writes manifest.json, which the server reads for the asset URLs
(/graphiql/<version>/<file>) and the pages' Subresource Integrity hashes.

To upgrade, change a version below, set its integrity to what
`npm view <name>@<version> dist.integrity` prints, run the script, and commit the
result. GraphiQL stays on 3.x: from 4.0 on it ships ES modules only, which need
a bundler; React stays on 18, the last major with UMD builds.

Standard library only: it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "cms" / "web" / "static" / "graphiql"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # the registry's dist.integrity, pinned: a changed tarball is refused
    files: dict[str, str]  # path in the tarball -> file name in DEST


PACKAGES = (
    Package(
        "react",
        "18.3.1",
        "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
        {
            "package/umd/react.production.min.js": "react.production.min.js",
            "package/LICENSE": "LICENSE.react",
        },
    ),
    Package(
        "react-dom",
        "18.3.1",
        "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
        {
            "package/umd/react-dom.production.min.js": "react-dom.production.min.js",
            "package/LICENSE": "LICENSE.react-dom",
        },
    ),
    Package(
        "graphiql",
        "3.9.0",
        "sha512-rJYFlHdBbug9+YbFSwRVvgfPjCayC7wHecZkx/qB4XLuQPFQZw/yB9pmHFtOJV6RiNBBHro3u1GdocKa3YcGRA==",
        {
            "package/graphiql.min.js": "graphiql.min.js",
            "package/graphiql.min.css": "graphiql.min.css",
            "package/LICENSE": "LICENSE.graphiql",
        },
    ),
)


class FetchError(Exception):
    pass


def sri(data: bytes, algorithm: str = "sha512") -> str:
    """A Subresource Integrity string, the form npm uses for dist.integrity too."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def _npm(*args: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise FetchError("npm is not installed (apt-get install -y npm)") from None
    except subprocess.CalledProcessError as exc:
        raise FetchError(f"npm {' '.join(args)} failed:\n{exc.stderr.strip()}") from None
    return done.stdout


def fetch(package: Package, workdir: Path) -> dict[str, bytes]:
    """The package's wanted files, from a tarball whose integrity was checked."""
    spec = f"{package.name}@{package.version}"
    published = json.loads(_npm("view", spec, "dist.integrity", "--json"))
    if published != package.integrity:
        raise FetchError(f"{spec}: the registry publishes {published}, but {package.integrity} is pinned")
    packed = json.loads(_npm("pack", spec, "--json", "--pack-destination", str(workdir), cwd=workdir))
    tarball = (workdir / packed[0]["filename"]).read_bytes()
    if sri(tarball) != package.integrity:
        raise FetchError(f"{spec}: the downloaded tarball hashes to {sri(tarball)}, not the pinned integrity")
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for member_name, target in package.files.items():
            member = archive.getmember(member_name)
            extracted = archive.extractfile(member) if member.isfile() else None
            if extracted is None:
                raise FetchError(f"{spec}: {member_name} is not a regular file in the tarball")
            out[target] = extracted.read()
    return out


def manifest_for(files: dict[str, dict[str, bytes]]) -> dict[str, object]:
    packages: dict[str, object] = {}
    for package in PACKAGES:
        packages[package.name] = {
            "version": package.version,
            "integrity": package.integrity,
            "files": {name: sri(data, "sha384") for name, data in sorted(files[package.name].items())},
        }
    return {"note": "written by scripts/fetch_graphiql.py; do not edit", "packages": packages}


def write(dest: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = {package.name: fetch(package, Path(tmp)) for package in PACKAGES}
    dest.mkdir(parents=True, exist_ok=True)
    for package_files in files.values():
        for name, data in package_files.items():
            (dest / name).write_bytes(data)
            print(f"wrote {dest / name} ({len(data):,} bytes)")
    text = json.dumps(manifest_for(files), indent=2, sort_keys=True) + "\n"
    (dest / MANIFEST).write_text(text, encoding="utf-8")


def check(dest: Path) -> list[str]:
    """What is wrong with the committed files (nothing: an empty list). Needs no network."""
    try:
        manifest = json.loads((dest / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{dest / MANIFEST} is missing or unreadable: {exc}"]
    problems: list[str] = []
    for package in PACKAGES:
        entry = manifest["packages"].get(package.name)
        if entry is None or (entry["version"], entry["integrity"]) != (package.version, package.integrity):
            problems.append(f"{package.name}: manifest does not match the pin {package.version}")
            continue
        if sorted(entry["files"]) != sorted(package.files.values()):
            problems.append(f"{package.name}: manifest lists {sorted(entry['files'])}")
        for name, expected in entry["files"].items():
            path = dest / name
            if not path.is_file():
                problems.append(f"{path} is missing")
            elif sri(path.read_bytes(), "sha384") != expected:
                problems.append(f"{path} differs from the file in {package.name}@{package.version}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="verify the committed files offline")
    parser.add_argument("--dest", type=Path, default=DEST, help=f"target folder (default {DEST})")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.dest)
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print(f"{args.dest}: every file matches its pinned package")
        return 1 if problems else 0
    try:
        write(args.dest)
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
