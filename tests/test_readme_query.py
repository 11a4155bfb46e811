"""The README's first query runs on the demo content and shows working image URLs."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2 as httpx

from cms.db import Database
from cms.services.demo import load_demo
from cms.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_first_query_answers_with_urls_that_serve_pictures(
    settings: Settings, db: Database, server: str
) -> None:
    query = re.search(r"paste a first query:\n\n```graphql\n(.*?)```", README.read_text(), re.S)
    assert query is not None, "the README's first query is gone"
    with db.write() as session:
        load_demo(session, settings=settings)
    answer = httpx.post(server + "/graphql", json={"query": query.group(1)}).json()
    assert "errors" not in answer, answer
    nodes = [edge["node"] for edge in answer["data"]["articles"]["edges"]]
    image = next(node["leadImage"] for node in nodes if node["leadImage"])
    public = settings.public_url
    for url in [image["url"], *(part.split()[0] for part in image["srcSet"].split(", "))]:
        fetched = httpx.get(server + url.removeprefix(public))
        assert fetched.status_code == 200, url
        assert fetched.headers["content-type"].startswith("image/")
    assert answer["data"]["search"]["totalCount"] > 0
