"""The embedded SQLite default holds up to a small newsroom writing at once."""

from __future__ import annotations

import threading
from typing import Any

import httpx2 as httpx

from cms.db import Database
from tests.test_editorial_api import CREATE, UPDATE, token_for

WRITERS = 8
SAVES = 50


def test_eight_writers_and_readers_at_once_never_see_locks_or_500s(server: str, db: Database) -> None:
    token = token_for(db, "editor")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server, headers=headers, timeout=60) as http:
        ids = [
            http.post(
                "/graphql", json={"query": CREATE, "variables": {"input": {"title": f"Desk {n}"}}}
            ).json()["data"]["createArticle"]["article"]["id"]
            for n in range(4)
        ]
    failures: list[str] = []
    outcomes: dict[str, int] = {"saved": 0, "conflict": 0}
    lock = threading.Lock()
    done = threading.Event()

    def writer(n: int) -> None:
        article_id = ids[n % len(ids)]
        with httpx.Client(base_url=server, headers=headers, timeout=60) as http:
            for i in range(SAVES):
                current = http.post(
                    "/graphql",
                    json={"query": "query($id: ID!) { node(id: $id) { ... on Article { version } } }",
                          "variables": {"id": article_id}},
                ).json()["data"]["node"]["version"]  # fmt: skip
                variables = {"id": article_id, "input": {"title": f"Desk {n} save {i}"}, "v": current}
                response = http.post("/graphql", json={"query": UPDATE, "variables": variables})
                body: dict[str, Any] = response.json()
                if response.status_code != 200 or "errors" in body:
                    failures.append(f"{response.status_code} {body}")
                    continue
                errors = body["data"]["updateArticle"]["userErrors"]
                with lock:
                    if not errors:
                        outcomes["saved"] += 1
                    elif errors[0]["code"] == "CONFLICT":
                        outcomes["conflict"] += 1
                    else:
                        failures.append(str(errors))

    def reader() -> None:
        with httpx.Client(base_url=server, headers=headers, timeout=60) as http:
            while not done.is_set():
                response = http.post(
                    "/graphql",
                    json={"query": "{ articles(orderBy: UPDATED_AT_DESC) { totalCount nodes { title } } }"},
                )
                if response.status_code != 200 or "errors" in response.json():
                    failures.append(f"reader {response.status_code} {response.text[:200]}")

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in readers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()
    assert failures == []
    assert outcomes["saved"] + outcomes["conflict"] == WRITERS * SAVES
    with db.connect() as conn:
        versions = conn.exec_driver_sql("SELECT sum(version - 1) FROM article").scalar()
    # Every save that was reported applied is in the database, and nothing else.
    assert versions == outcomes["saved"]
