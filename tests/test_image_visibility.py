"""Embargoed pictures stay embargoed: an image is public only once a published article whose time
has come shows it (lead, body, author photo), or an editor marks it public; by every path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx2 as httpx
import pytest

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.models import utcnow
from cms.services.images import ImageFields, add_image
from cms.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Seeder
from tests.test_editorial_api import AuthClient, token_for
from tests.test_media_intake import photo, save

PATHS = (
    """query($id: ID!) { image(id: $id) { id } node(id: $id) { id } images { totalCount nodes { id } } }"""
)


def _image(db: Database, settings: Settings, **extra: Any) -> int:
    fields = ImageFields(
        title="Harbour", creator="Jane", source_url="https://e.org/1", license="CC-BY-2.0", **extra
    )
    with db.write() as session:
        return add_image(
            session, data=save(photo((640, 480)), "JPEG"), filename="h.jpg", fields=fields, settings=settings
        )


def _seen(gql: GraphQLClient, image: int) -> tuple[bool, bool, int]:
    data = gql.data(PATHS, {"id": to_global_id("Image", image)})
    return data["image"] is not None, data["node"] is not None, data["images"]["totalCount"]


@pytest.mark.parametrize(
    "state",
    ["draft", "scheduled", "trashed", "archived"],
)
def test_an_image_only_an_unpublished_article_uses_is_private(
    state: str, db: Database, settings: Settings, seed: Seeder, gql: GraphQLClient, client: Any
) -> None:
    image = _image(db, settings)
    when = utcnow() + timedelta(days=1) if state == "scheduled" else None
    seed.article(
        "Embargoed",
        state="published" if state == "scheduled" else state,
        published_at=when,
        lead_image_id=image,
    )
    assert _seen(gql, image) == (False, False, 0)
    editor = AuthClient(client, token_for(db, "editor"))
    assert _seen(editor, image) == (True, True, 1)


def test_publishing_the_article_makes_its_lead_image_public(
    db: Database, settings: Settings, seed: Seeder, gql: GraphQLClient, client: Any
) -> None:
    seed.author("Jane Example", slug="jane")
    image = _image(db, settings)
    editor = AuthClient(client, token_for(db, "editor"))
    create = """mutation($img: ID!) {
      createArticle(input: {title: "Story", authorSlugs: ["jane"], leadImageId: $img}) {
      article { id } } }"""
    article = editor.data(create, {"img": to_global_id("Image", image)})["createArticle"]["article"]["id"]
    assert _seen(gql, image) == (False, False, 0)
    editor.data("mutation($id: ID!) { publishArticle(id: $id) { userErrors { code } } }", {"id": article})
    assert _seen(gql, image) == (True, True, 1)
    editor.data("mutation($id: ID!) { unpublishArticle(id: $id) { userErrors { code } } }", {"id": article})
    assert _seen(gql, image) == (False, False, 0)


def test_an_image_shown_in_a_published_body_is_public(
    db: Database, settings: Settings, seed: Seeder, gql: GraphQLClient, client: Any
) -> None:
    seed.author("Jane Example", slug="jane")
    image = _image(db, settings)
    editor = AuthClient(client, token_for(db, "editor"))
    url = editor.data(
        "query($id: ID!) { image(id: $id) { url(width: 320) } }", {"id": to_global_id("Image", image)}
    )["image"]["url"]
    create = """mutation($body: String) {
      createArticle(input: {title: "Story", authorSlugs: ["jane"], bodyHtml: $body}) {
      article { id bodyHtml } } }"""
    made = editor.data(create, {"body": f'<p>See:</p><img src="{url}" alt="A harbour">'})["createArticle"][
        "article"
    ]
    assert "/media/r/" in made["bodyHtml"]
    assert _seen(gql, image) == (False, False, 0)
    editor.data("mutation($id: ID!) { publishArticle(id: $id) { userErrors { code } } }", {"id": made["id"]})
    assert _seen(gql, image) == (True, True, 1)


def test_an_author_photo_is_public_once_the_author_has_a_published_article(
    db: Database, settings: Settings, seed: Seeder, gql: GraphQLClient
) -> None:
    image = _image(db, settings)
    author = seed.author("Jane Example", slug="jane", photo_id=image)
    query = '{ author(slug: "jane") { photo { id } } authors { nodes { photo { id } } } }'
    assert gql.data(query) == {"author": {"photo": None}, "authors": {"nodes": [{"photo": None}]}}
    assert _seen(gql, image) == (False, False, 0)
    seed.article("Out now", author_ids=[author])
    photo_id = to_global_id("Image", image)
    assert gql.data(query) == {
        "author": {"photo": {"id": photo_id}},
        "authors": {"nodes": [{"photo": {"id": photo_id}}]},
    }
    assert _seen(gql, image) == (True, True, 1)


def test_an_editor_can_mark_an_image_public_and_private_again(
    db: Database, settings: Settings, gql: GraphQLClient, client: Any
) -> None:
    image = _image(db, settings)
    editor = AuthClient(client, token_for(db, "editor"))
    mark = """mutation($id: ID!, $p: Boolean) {
      updateImage(id: $id, input: {public: $p}) { userErrors { code } } }"""
    editor.data(mark, {"id": to_global_id("Image", image), "p": True})
    assert _seen(gql, image) == (True, True, 1)
    editor.data(mark, {"id": to_global_id("Image", image), "p": False})
    assert _seen(gql, image) == (False, False, 0)


def test_a_rendition_url_handed_out_keeps_working_after_the_image_goes_private(
    db: Database, settings: Settings, seed: Seeder, gql: GraphQLClient, server: str
) -> None:
    image = _image(db, settings, public=True)
    url = gql.data(
        "query($id: ID!) { image(id: $id) { url(width: 200) } }", {"id": to_global_id("Image", image)}
    )["image"]["url"]
    with db.write() as session:
        from cms.services.images import update_image

        update_image(session, image_id=image, values={"public": False}, now=utcnow())
    path = url.split(settings.public_url, 1)[1]
    response = httpx.get(server + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert (
        gql.data("query($id: ID!) { image(id: $id) { url } }", {"id": to_global_id("Image", image)})["image"]
        is None
    )
