"""Is a cheap query answered while an expensive one runs? Milliseconds, against a running server.

    .venv/bin/python bench/blocking.py --url http://127.0.0.1:8000 --token "$(cms token create ...)"

Sends an expensive but allowed query (100 authors x their 100 newest articles, with bylines: a
staff token's cost limit admits it, an anonymous caller's does not), and while it runs, five cheap
ones (`stats`) one after the other. Prints how long each took, beside the cheap query's median
when the server is idle. A server that executed on its event loop would hold every cheap query
until the expensive one finished. Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import urllib.request

EXPENSIVE = (
    "{ authors(first: 100) { edges { node { name articles(first: 100) { totalCount edges { node {"
    " title slug summary publishedAt authors { name slug } } } } } } } }"
)
CHEAP = "{ stats { totalPublications } }"


def post(url: str, query: str, token: str | None = None) -> float:
    """Milliseconds to an answer without errors."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps({"query": query}).encode(), headers)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.loads(response.read())
    if body.get("errors"):
        raise SystemExit(f"the query failed: {body['errors'][0]}")
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="a staff token (the expensive query needs its limit)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = args.url.rstrip("/") + "/graphql"
    post(url, EXPENSIVE, args.token)  # warm the server's memos
    idle = statistics.median(post(url, CHEAP) for _ in range(9))
    for _ in range(args.rounds):
        took: list[float] = []
        runner = threading.Thread(target=lambda took=took: took.append(post(url, EXPENSIVE, args.token)))
        runner.start()
        time.sleep(0.1)
        cheap = [post(url, CHEAP) for _ in range(5)]
        runner.join()
        print(
            f"expensive {took[0]:.0f} ms; cheap while it ran: {', '.join(f'{c:.1f}' for c in cheap)} ms"
            f" (idle median {idle:.1f} ms)"
        )


if __name__ == "__main__":
    main()
