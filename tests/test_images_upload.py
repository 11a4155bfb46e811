"""uploadImage, updateImage and deleteImage over real HTTP (GraphQL multipart request spec)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from PIL import Image as PILImage

from cms.db import Database
from cms.settings import Settings
from tests.factories import Seeder
from tests.test_editorial_api import token_for

UPLOAD = """mutation($file: Upload!, $input: ImageInput!) { uploadImage(file: $file, input: $input) {
  image { id width height mimeType credit { line license { code } } url(width: 400) }
  userErrors { field message code } } }"""
CREDIT = {"title": "Harbour at Dusk", "creator": "Jane Example", "sourceUrl": "https://example.org/p/1",
          "sourceName": "Flickr", "licenseCode": "4", "alt": "Cranes at dusk"}  # fmt: skip


def jpeg(width: int = 640, height: int = 480) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (30, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(
    server: str, token: str | None, data: bytes, name: str = "photo.jpg", **credit: Any
) -> httpx.Response:
    operations = {"query": UPLOAD, "variables": {"file": None, "input": {**CREDIT, **credit}}}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"{server}/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (name, data, "image/jpeg")},
        headers=headers,
        timeout=30,
    )


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.media_root)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_editor_uploads_an_image_with_its_credit(server: str, db: Database, settings: Settings) -> None:
    response = upload(server, token_for(db, "editor"), jpeg())
    assert response.status_code == 200
    payload = response.json()["data"]["uploadImage"]
    assert payload["userErrors"] == []
    image = payload["image"]
    assert (image["width"], image["height"], image["mimeType"]) == (640, 480, "image/jpeg")
    assert image["credit"] == {
        "line": "Image from Jane Example's photostream on Flickr (CC BY 2.0)",
        "license": {"code": "CC-BY-2.0"},
    }
    # URLs are absolute on the publisher's base URL; fetch the same path from this server.
    rendition = httpx.get(server + urlsplit(image["url"]).path, timeout=30)
    assert rendition.status_code == 200
    assert PILImage.open(io.BytesIO(rendition.content)).width == 400
    assert len(stored_files(settings)) >= 1


def test_a_disguised_file_is_refused_and_leaves_nothing_behind(
    server: str, db: Database, settings: Settings
) -> None:
    response = upload(server, token_for(db, "editor"), b"<svg onload='alert(1)'></svg>", name="cat.jpg")
    payload = response.json()["data"]["uploadImage"]
    assert payload["image"] is None
    assert [e["code"] for e in payload["userErrors"]] == ["UNSUPPORTED_MEDIA"]
    assert stored_files(settings) == []
    with db.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM image").scalar() == 0


def test_an_incomplete_credit_is_refused_for_a_licence_that_needs_one(server: str, db: Database) -> None:
    payload = upload(server, token_for(db, "editor"), jpeg(), creator="").json()["data"]["uploadImage"]
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("creator", "INVALID")]


def test_uploads_need_a_token(server: str) -> None:
    response = upload(server, None, jpeg())
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_authors_cannot_upload(server: str, db: Database) -> None:
    body = upload(server, token_for(db, "author"), jpeg()).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_an_upload_over_the_size_limit_is_refused_while_it_streams(
    server: str, db: Database, settings: Settings
) -> None:
    limit = settings.max_upload_bytes
    response = upload(server, token_for(db, "editor"), b"\xff" * (limit + 10))
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"operations": "not json", "map": "{}"}, "must be JSON"),
        ({"operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}),
          "map": '{"9": ["variables.file"]}'}, "not there"),
    ],
)  # fmt: skip
def test_malformed_multipart_requests_are_400(
    server: str, db: Database, form: dict[str, str], message: str
) -> None:
    response = httpx.post(
        f"{server}/graphql",
        data=form,
        files={"0": ("a.jpg", jpeg(), "image/jpeg")},
        headers={"Authorization": f"Bearer {token_for(db, 'editor')}"},
    )
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]


UPDATE_IMAGE = """mutation($id: ID!, $input: ImageInput!) { updateImage(id: $id, input: $input) {
  image { credit { creator license { code } } focalPoint { x y } } userErrors { field code } } }"""
DELETE_IMAGE = "mutation($id: ID!) { deleteImage(id: $id) { deletedId userErrors { code message } } }"


def _editor_post(server: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{server}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()["data"]  # type: ignore[no-any-return]


def test_credits_can_be_corrected_but_not_left_incomplete(server: str, db: Database, seed: Seeder) -> None:
    from cms.graphql.relay import to_global_id

    token = token_for(db, "editor")
    image_id = to_global_id("Image", seed.image(license="CC-BY-2.0"))
    fixed = _editor_post(
        server, token, UPDATE_IMAGE,
        {"id": image_id, "input": {"creator": "J. Example", "licenseCode": "CC-BY-SA-4.0",
                                   "focalPoint": {"x": 0.2, "y": 0.7}}},
    )["updateImage"]  # fmt: skip
    assert fixed["userErrors"] == []
    assert fixed["image"]["credit"] == {"creator": "J. Example", "license": {"code": "CC-BY-SA-4.0"}}
    assert fixed["image"]["focalPoint"] == {"x": 0.2, "y": 0.7}
    refused = _editor_post(server, token, UPDATE_IMAGE, {"id": image_id, "input": {"creator": ""}})[
        "updateImage"
    ]
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("creator", "INVALID")]


def test_an_image_in_use_cannot_be_deleted(server: str, db: Database, seed: Seeder) -> None:
    from cms.graphql.relay import to_global_id

    token = token_for(db, "editor")
    used = seed.image()
    seed.article("Uses it", lead_image_id=used)
    unused = seed.image()
    refused = _editor_post(server, token, DELETE_IMAGE, {"id": to_global_id("Image", used)})["deleteImage"]
    assert refused == {
        "deletedId": None,
        "userErrors": [{"code": "CONFLICT", "message": "1 article still uses this image"}],
    }
    done = _editor_post(server, token, DELETE_IMAGE, {"id": to_global_id("Image", unused)})["deleteImage"]
    assert done["userErrors"] == []


def test_publishing_with_an_incompletely_credited_lead_image_is_refused(
    server: str, db: Database, seed: Seeder
) -> None:
    from cms.graphql.relay import to_global_id

    token = token_for(db, "editor")
    author = seed.author("Jane Example", slug="jane")
    # An imported record may lack what its licence asks for.
    image = seed.image(license="CC-BY-4.0", creator="")
    article = seed.article("Draft", state="draft", author_ids=[author], lead_image_id=image)
    payload = _editor_post(
        server, token,
        "mutation($id: ID!) { publishArticle(id: $id) {"
        " article { status } userErrors { field code message } } }",
        {"id": to_global_id("Article", article)},
    )["publishArticle"]  # fmt: skip
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("leadImageId", "INVALID")]
    assert payload["article"]["status"] == "DRAFT"
