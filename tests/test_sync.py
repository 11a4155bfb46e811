"""Partner sync: a mirror built from the change feed equals the published set, even while editors
write; tokens are bound to their partner and scope; licences decide which images a partner gets."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import select

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.models import Article, utcnow
from cms.services import articles as article_service
from cms.services.images import ImageFields, add_image
from cms.settings import Settings
from tests.conftest import GraphQLClient
from tests.factories import Seeder
from tests.test_editorial_api import AuthClient, token_for
from tests.test_media_intake import photo, save

CHANGES = """query($since: String, $first: Int) { changes(since: $since, first: $first) {
  items { kind entityId article { title slug section { slug } leadImage { id } leadImageWithheld } }
  tombstones { entityId reason } nextToken hasMore } }"""


def sync(api: Any, mirror: dict[str, dict[str, Any]], since: str | None, first: int = 7) -> tuple[str, bool]:
    """One page applied to ``mirror``; returns the next token and whether more waits."""
    body = api.post(CHANGES, {"since": since, "first": first}).json()
    assert "errors" not in body, body
    page = body["data"]["changes"]
    for item in page["items"]:
        mirror[item["entityId"]] = item["article"]
    for tombstone in page["tombstones"]:
        mirror.pop(tombstone["entityId"], None)
    return page["nextToken"], page["hasMore"]


def catch_up(api: Any, mirror: dict[str, dict[str, Any]], since: str | None, first: int = 7) -> str:
    token, more = sync(api, mirror, since, first)
    while more:
        token, more = sync(api, mirror, token, first)
    return token


def published(db: Database, *, sections: set[int] | None = None) -> dict[str, str]:
    """What the public sees now, straight from the database: global id -> title."""
    with db.connect() as conn:
        table = Article.__table__  # type: ignore[attr-defined]
        rows = conn.execute(
            select(table.c.id, table.c.title, table.c.section_id).where(article_service.visible(utcnow()))
        )
        return {
            to_global_id("Article", r.id): r.title
            for r in rows
            if sections is None or r.section_id in sections
        }


@pytest.fixture
def newsroom(seed: Seeder) -> dict[str, int]:
    author = seed.author("Jane Example", slug="jane")
    world = seed.section("World", slug="world")
    peninsula = seed.section("The Peninsula", slug="the-peninsula")
    for n in range(12):
        seed.article(f"Story {n}", section_id=world if n % 2 else peninsula, author_ids=[author])
    seed.article("A draft", state="draft", section_id=world, author_ids=[author])
    return {"world": world, "peninsula": peninsula, "author": author}


def test_an_initial_sync_pages_through_every_published_article(
    newsroom: dict[str, int], client: Any, db: Database
) -> None:
    partner = AuthClient(client, token_for(db, "partner"))
    mirror: dict[str, dict[str, Any]] = {}
    token = catch_up(partner, mirror, None, first=5)
    assert {k: v["title"] for k, v in mirror.items()} == published(db)
    # Nothing new: the next page is empty and says so.
    body = partner.data(CHANGES, {"since": token})["changes"]
    assert (body["items"], body["tombstones"], body["hasMore"]) == ([], [], False)


def test_a_partner_sees_only_its_sections_and_gets_out_of_scope_tombstones(
    newsroom: dict[str, int], client: Any, db: Database, seed: Seeder
) -> None:
    partner_id = seed.partner("Peninsula Daily", sections=["the-peninsula"])
    partner = AuthClient(client, token_for(db, "partner", partner_id=partner_id))
    mirror: dict[str, dict[str, Any]] = {}
    token = catch_up(partner, mirror, None)
    assert {k: v["title"] for k, v in mirror.items()} == published(db, sections={newsroom["peninsula"]})
    assert all(a["section"]["slug"] == "the-peninsula" for a in mirror.values())
    moved = next(iter(mirror))
    editor = AuthClient(client, token_for(db, "editor"))
    update = """mutation($id: ID!, $v: Int!) { updateArticle(id: $id, input: {sectionSlug: "world"},
      expectedVersion: $v, publish: true) { userErrors { code } } }"""
    version = seed.article_row(int(__import__("base64").b64decode(moved).decode().split(":")[1])).version
    assert editor.data(update, {"id": moved, "v": version})["updateArticle"]["userErrors"] == []
    body = partner.data(CHANGES, {"since": token})["changes"]
    assert body["tombstones"] == [{"entityId": moved, "reason": "OUT_OF_SCOPE"}]
    # GraphQL reads with the partner's token follow the same scope.
    listed = partner.data("{ articles(first: 50) { totalCount nodes { section { slug } } } }")["articles"]
    assert {n["section"]["slug"] for n in listed["nodes"]} == {"the-peninsula"}
    assert partner.data("{ sections { slug } }")["sections"] == [{"slug": "the-peninsula"}]


def test_tombstones_say_why_an_article_left(newsroom: dict[str, int], client: Any, db: Database) -> None:
    partner = AuthClient(client, token_for(db, "partner"))
    editor = AuthClient(client, token_for(db, "editor"))
    mirror: dict[str, dict[str, Any]] = {}
    token = catch_up(partner, mirror, None)
    ids = sorted(mirror)
    steps = {
        "UNPUBLISHED": "unpublishArticle", "ARCHIVED": "archiveArticle", "TRASHED": "trashArticle",
        "DELETED": "deleteArticle",
    }  # fmt: skip
    expected = []
    for (reason, mutation), article in zip(steps.items(), ids, strict=False):
        editor.data(
            f"mutation($id: ID!) {{ {mutation}(id: $id) {{ userErrors {{ code }} }} }}", {"id": article}
        )
        expected.append({"entityId": article, "reason": reason})
    body = partner.data(CHANGES, {"since": token, "first": 100})["changes"]
    assert sorted(body["tombstones"], key=lambda t: t["entityId"]) == sorted(
        expected, key=lambda t: t["entityId"]
    )


def test_a_scheduled_article_reaches_the_partner_when_its_time_comes(
    newsroom: dict[str, int], client: Any, db: Database, seed: Seeder
) -> None:
    import time

    partner = AuthClient(client, token_for(db, "partner"))
    mirror: dict[str, dict[str, Any]] = {}
    token = catch_up(partner, mirror, None)
    soon = seed.article("Soon", published_at=utcnow() + timedelta(seconds=2), author_ids=[newsroom["author"]])
    token = catch_up(partner, mirror, token)
    assert to_global_id("Article", soon) not in mirror
    time.sleep(2.2)
    catch_up(partner, mirror, token)
    assert mirror[to_global_id("Article", soon)]["title"] == "Soon"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "x" + t,
        lambda t: "",
        lambda t: "[" * 5000,
        lambda t: t.split(".")[0],
        lambda t: "eyJ4IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_forged_tokens_are_bad_user_input_that_says_to_restart(
    mangle: Any, newsroom: dict[str, int], client: Any, db: Database
) -> None:
    partner = AuthClient(client, token_for(db, "partner"))
    token = partner.data(CHANGES, {"since": None})["changes"]["nextToken"]
    errors = partner.errors(CHANGES, {"since": mangle(token)})
    assert [e["extensions"]["code"] for e in errors] == ["BAD_USER_INPUT"]
    assert "since: null" in errors[0]["message"]


def test_another_partners_token_and_a_stale_scope_are_refused(
    newsroom: dict[str, int], client: Any, db: Database, seed: Seeder
) -> None:
    one = AuthClient(client, token_for(db, "partner", "One"))
    other_id = seed.partner("Other")
    other = AuthClient(client, token_for(db, "partner", "Other", partner_id=other_id))
    token = one.data(CHANGES, {"since": None})["changes"]["nextToken"]
    assert other.codes(CHANGES, {"since": token}) == ["BAD_USER_INPUT"]
    token = other.data(CHANGES, {"since": None})["changes"]["nextToken"]
    admin = AuthClient(client, token_for(db, "admin"))
    update = """mutation($id: ID!) {
      updatePartner(id: $id, input: {commercialUse: true}) { userErrors { code } } }"""
    assert admin.data(update, {"id": to_global_id("Partner", other_id)})["updatePartner"]["userErrors"] == []
    errors = other.errors(CHANGES, {"since": token})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "has changed" in errors[0]["message"]


@pytest.mark.parametrize("first", [0, -1, 1001])
def test_page_sizes_outside_1_to_1000_are_refused(
    first: int, newsroom: dict[str, int], client: Any, db: Database
) -> None:
    partner = AuthClient(client, token_for(db, "partner"))
    assert partner.codes(CHANGES, {"since": None, "first": first}) == ["BAD_USER_INPUT"]


def test_only_partners_and_admins_read_the_change_feed(client: Any, db: Database, gql: GraphQLClient) -> None:
    assert gql.codes(CHANGES, {"since": None}) == ["UNAUTHENTICATED"]
    for role in ("author", "editor"):
        assert AuthClient(client, token_for(db, role)).codes(CHANGES, {"since": None}) == ["FORBIDDEN"]
    assert "errors" not in AuthClient(client, token_for(db, "admin")).post(CHANGES, {"since": None}).json()


def _licensed_article(db: Database, settings: Settings, seed: Seeder, licence: str) -> int:
    fields = ImageFields(title="Harbour", creator="Jane", source_url="https://e.org/1", license=licence)
    with db.write() as session:
        image = add_image(
            session, data=save(photo((320, 200)), "JPEG"), filename="h.jpg", fields=fields, settings=settings
        )
    author = seed.author(f"Author {licence}")
    return seed.article(f"With {licence}", author_ids=[author], lead_image_id=image)


@pytest.mark.parametrize(
    ("licence", "commercial", "withheld"),
    [
        ("CC-BY-NC-ND-2.0", True, "NONCOMMERCIAL_LICENSE"),
        ("CC-BY-NC-ND-2.0", False, None),
        ("CC-BY-NC-4.0", True, "NONCOMMERCIAL_LICENSE"),
        ("CC-BY-2.0", True, None),
        ("ARR", False, "ALL_RIGHTS_RESERVED"),
        ("ARR", True, "ALL_RIGHTS_RESERVED"),
        ("CC0-1.0", True, None),
    ],
)
def test_licences_decide_which_lead_images_a_partner_gets(
    licence: str,
    commercial: bool,
    withheld: str | None,
    client: Any,
    db: Database,
    settings: Settings,
    seed: Seeder,
) -> None:
    article = _licensed_article(db, settings, seed, licence)
    partner = AuthClient(
        client, token_for(db, "partner", partner_id=seed.partner("P", commercial=commercial))
    )
    page = partner.data(CHANGES, {"since": None})["changes"]["items"]
    [item] = [i for i in page if i["entityId"] == to_global_id("Article", article)]
    assert item["article"]["leadImageWithheld"] == withheld
    assert (item["article"]["leadImage"] is None) == (withheld is not None)
    query = "query($id: ID!) { article(id: $id) { leadImage { id } leadImageWithheld } }"
    read = partner.data(query, {"id": to_global_id("Article", article)})["article"]
    assert read == {"leadImage": item["article"]["leadImage"], "leadImageWithheld": withheld}
    # The public and editors always see the image.
    assert GraphQLClient(client).data(query, {"id": to_global_id("Article", article)})["article"]["leadImage"]


def test_a_withheld_image_is_taken_out_of_bodies_with_its_figure(
    client: Any, db: Database, settings: Settings, seed: Seeder
) -> None:
    fields = ImageFields(
        title="Harbour", creator="Jane", source_url="https://e.org/1", license="CC-BY-NC-2.0", public=True
    )
    with db.write() as session:
        image = add_image(
            session, data=save(photo((320, 200)), "JPEG"), filename="h.jpg", fields=fields, settings=settings
        )
    url = GraphQLClient(client).data(
        "query($id: ID!) { image(id: $id) { url(width: 200) } }", {"id": to_global_id("Image", image)}
    )["image"]["url"]
    figure = f'<figure><img src="{url}" alt="x"><figcaption>Credit</figcaption></figure>'
    body = f"<p>Before.</p>{figure}<p>After.</p>"
    author = seed.author("Jane")
    pk = seed.article("With a picture", body=body, author_ids=[author])
    query = "query($id: ID!) { article(id: $id) { bodyHtml } }"
    commercial = AuthClient(client, token_for(db, "partner", partner_id=seed.partner("C", commercial=True)))
    assert (
        commercial.data(query, {"id": to_global_id("Article", pk)})["article"]["bodyHtml"]
        == "<p>Before.</p><p>After.</p>"
    )
    other = AuthClient(client, token_for(db, "partner", partner_id=seed.partner("N", commercial=False)))
    assert "<figure>" in other.data(query, {"id": to_global_id("Article", pk)})["article"]["bodyHtml"]


def test_a_mirror_stays_exact_while_four_editors_write(
    newsroom: dict[str, int], server: str, db: Database, seed: Seeder
) -> None:
    """Four writers publish, edit, unpublish, trash and delete while a partner syncs; at the end the
    partner's copy is exactly our published set, titles included."""
    editor_token = token_for(db, "editor")
    partner_token = token_for(db, "partner")
    done = threading.Event()
    failures: list[str] = []

    def writer(n: int) -> None:
        rng = random.Random(n)
        headers = {"Authorization": f"Bearer {editor_token}"}
        with httpx.Client(base_url=server, headers=headers, timeout=60) as http:

            def call(query: str, variables: dict[str, Any]) -> dict[str, Any]:
                body = http.post("/graphql", json={"query": query, "variables": variables}).json()
                if "errors" in body:
                    failures.append(str(body["errors"]))
                return body.get("data") or {}

            mine: list[tuple[str, int]] = []
            for step in range(18):
                action = rng.choice(["create", "create", "edit", "unpublish", "trash", "delete", "republish"])
                if action == "create" or not mine:
                    made = call(
                        """mutation($t: String) { createArticle(input: {title: $t, authorSlugs: ["jane"]}) {
                          article { id version } } }""",
                        {"t": f"Writer {n} story {step}"},
                    )["createArticle"]["article"]
                    published_ = call(
                        "mutation($id: ID!) { publishArticle(id: $id) { article { version } } }",
                        {"id": made["id"]},
                    )
                    mine.append((made["id"], published_["publishArticle"]["article"]["version"]))
                    continue
                index = rng.randrange(len(mine))
                article, version = mine[index]
                if action == "edit":
                    saved = call(
                        """mutation($id: ID!, $v: Int!, $t: String) {
                          updateArticle(id: $id, input: {title: $t}, expectedVersion: $v, publish: true) {
                          article { version } userErrors { code } } }""",
                        {"id": article, "v": version, "t": f"Writer {n} edit {step}"},
                    )["updateArticle"]
                    if saved["article"]:
                        mine[index] = (article, saved["article"]["version"])
                elif action == "delete":
                    call("mutation($id: ID!) { deleteArticle(id: $id) { deletedId } }", {"id": article})
                    mine.pop(index)
                else:
                    mutation = {
                        "unpublish": "unpublishArticle",
                        "trash": "trashArticle",
                        "republish": "publishArticle",
                    }[action]
                    if action == "republish":
                        call(
                            "mutation($id: ID!) { restoreArticle(id: $id) { userErrors { code } } }",
                            {"id": article},
                        )
                    result = call(
                        f"mutation($id: ID!) {{ {mutation}(id: $id) {{ article {{ version }} }} }}",
                        {"id": article},
                    )
                    if result.get(mutation, {}).get("article"):
                        mine[index] = (article, result[mutation]["article"]["version"])

    mirror: dict[str, dict[str, Any]] = {}

    def partner() -> None:
        with httpx.Client(base_url=server, timeout=60) as http:
            api = AuthClient(http, partner_token)
            token: str | None = None
            while not done.is_set():
                token, _ = sync(api, mirror, token, first=3)
            catch_up(api, mirror, token, first=3)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    reader = threading.Thread(target=partner)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    assert not [f for f in failures if "UNAUTHENTICATED" in f or "INTERNAL" in f]
    assert {k: v["title"] for k, v in mirror.items()} == published(db)
    assert len(mirror) > 12


def test_a_publish_made_after_a_sync_request_began_is_not_tombstoned(seed: Seeder, db: Database) -> None:
    """A page judges the articles it reads after the request began: an article published (and
    announced) by a writer meanwhile is live, though its publication time is after the reader's
    `now`. Judged by that `now`, the partner would get a tombstone and never hear of it again."""
    from cms.services import changes, sync

    began = utcnow()
    with db.connect() as conn:
        start = sync.Position(0, 0, False, changes.current_seq(conn))
    pk = seed.article("Published while the page was read", published_at=began + timedelta(seconds=1))
    with db.write() as session:
        session.execute(Article.__table__.update().values(announced=True))  # type: ignore[attr-defined]
        changes.record(session, entity="article", ids=[pk], kind="update", public=True)
    with db.connect() as conn:
        found = sync.page(conn, scope=None, secret="s", since=start, limit=10, now=began)
    assert [u.article_id for u in found.upserts] == [pk]
    assert found.tombstones == []
