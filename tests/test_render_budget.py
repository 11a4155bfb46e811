"""First renders are charged to the client's budget in the shared limiter; stored renditions are free."""

from __future__ import annotations

import dataclasses

from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.services.images import ImageFields, add_image
from cms.settings import Settings
from tests.test_media_intake import photo, save


def test_first_renders_past_the_budget_wait_and_stored_ones_do_not(settings: Settings, db: Database) -> None:
    limited = dataclasses.replace(settings, rate_limit_renders="3/minute")
    fields = ImageFields(
        title="Harbour", creator="Jane", source_url="https://e.org/1", license="CC-BY-2.0", public=True
    )
    with db.write() as session:
        pk = add_image(
            session, data=save(photo((1600, 900)), "JPEG"), filename="h.jpg", fields=fields, settings=limited
        )
    with TestClient(create_app(limited)) as client:
        query = """query($id: ID!) { image(id: $id) {
          a: url(width: 100) b: url(width: 200) c: url(width: 300) d: url(width: 400) } }"""
        urls = client.post(
            "/graphql", json={"query": query, "variables": {"id": to_global_id("Image", pk)}}
        ).json()
        paths = [u.split(limited.public_url, 1)[1] for u in urls["data"]["image"].values()]
        answers = [client.get(path) for path in paths]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert int(answers[3].headers["retry-after"]) > 0
        assert client.get(paths[0]).status_code == 200  # already made: served whatever the budget
