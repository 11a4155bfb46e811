"""Mailing lists end to end: a real SMTP server on 127.0.0.1 (aiosmtpd) receives the mails, and the
tests follow their links against a real server, as a reader's mail program and browser would."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from sqlalchemy import select, text, update

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.models import MailSent, OutboxMessage, utcnow
from cms.services import newsletters, outbox, subscribers
from cms.settings import Settings
from tests.factories import Seeder
from tests.smtp_server import Inbox, html_of, smtp_server, text_of
from tests.test_editorial_api import AuthClient, token_for

SUBSCRIBE = """mutation($email: String!, $lists: [String!], $source: String) {
  subscribe(email: $email, lists: $lists, source: $source) { ok userErrors { field code message } } }"""
LISTS = "{ mailingLists { slug name mode subscriberCount pendingCount unsubscribedCount } }"
_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
_sent = MailSent.__table__  # type: ignore[attr-defined]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server(refuse={"gone@example.net"}) as box:
        yield box


@pytest.fixture
def settings(settings: Settings, inbox: Inbox) -> Settings:
    return dataclasses.replace(
        settings, smtp_host="127.0.0.1", smtp_port=inbox.port, smtp_security="none", smtp_timeout=5.0,
        mail_from="The Peninsula <news@example.org>", site_name="The Peninsula", worker=True,
        worker_interval=0.1, webhook_retry_schedule=(0.2, 0.2, 0.2),
        rate_limit_subscribe="1000/hour", rate_limit_subscribe_address="1000/hour",
    )  # fmt: skip


@pytest.fixture
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client


@pytest.fixture
def public(http: httpx.Client) -> AuthClient:
    return AuthClient(http, None)


@pytest.fixture
def admin(http: httpx.Client, db: Database) -> AuthClient:
    return AuthClient(http, token_for(db, "admin"))


@pytest.fixture
def newsroom(seed: Seeder) -> dict[str, Any]:
    seed.author("Jane Example", slug="jane")
    seed.section("The Peninsula", slug="peninsula")
    seed.section("Economy", slug="economy")
    image = seed.image(license="CC-BY-NC-ND-2.0", creator="Kim Photo", source_name="Flickr")
    return {"image": to_global_id("Image", image)}


def _link(message: Any, path: str) -> str:
    """The link to ``path`` in a mail, as a path on the test server (mails name CMS_PUBLIC_URL)."""
    found = re.search(
        r"https://cms\.example\.org(" + re.escape(path) + r"\?token=[^\s\"<>]+)", text_of(message)
    )
    assert found, text_of(message)
    return found.group(1)


def _header_link(message: Any) -> str:
    raw = message.raw.decode()
    assert "List-Unsubscribe: <https://cms.example.org/mail/unsubscribe?token=" in raw  # not an encoded word
    url = str(message["List-Unsubscribe"]).strip("<>")
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _signed_up(
    public: AuthClient, http: httpx.Client, inbox: Inbox, email: str, lists: list[str] | None
) -> None:
    answer = public.data(SUBSCRIBE, {"email": email, "lists": lists})["subscribe"]
    assert answer == {"ok": True, "userErrors": []}
    [confirmation] = inbox.wait_for(email, 1)
    page = http.get(_link(confirmation, "/mail/confirm"))
    assert page.status_code == 200, page.text
    assert "Subscription confirmed" in page.text


def _publish(
    admin: AuthClient, title: str, *, section: str | None = "peninsula", at: str | None = None, **extra: Any
) -> str:
    made = admin.data(
        """mutation($input: ArticleInput!) {
          createArticle(input: $input) { article { id } userErrors { message } } }""",
        {"input": {"title": title, "summary": f"What {title} means.", "authorSlugs": ["jane"],
                   "sectionSlug": section, **extra}},
    )["createArticle"]  # fmt: skip
    article = str(made["article"]["id"])
    published = admin.data(
        """mutation($id: ID!, $at: DateTime) {
          publishArticle(id: $id, at: $at) { userErrors { code message } } }""",
        {"id": article, "at": at},
    )["publishArticle"]
    assert published["userErrors"] == []
    return article


def _idle(db: Database, timeout: float = 10.0) -> None:
    """Wait until the worker has nothing left to do (every outbox message handled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.connect() as conn:
            if conn.execute(select(_outbox.c.id).where(_outbox.c.status == "pending")).first() is None:
                return
        time.sleep(0.05)
    raise AssertionError("the outbox did not drain")


def test_double_opt_in_then_one_mail_per_article_with_one_click_unsubscribe(
    public: AuthClient,
    admin: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    newsroom: dict[str, Any],
) -> None:
    answer = public.data(
        SUBSCRIBE, {"email": "Reader@Example.ORG", "lists": ["peninsula"], "source": "footer"}
    )
    assert answer["subscribe"] == {"ok": True, "userErrors": []}
    [confirmation] = inbox.wait_for("reader@example.org", 1)
    assert confirmation["Subject"] == "Confirm your subscription to The Peninsula"
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Confirm my subscription" in html_of(confirmation)
    # Nothing is mailed about articles before the link is followed.
    _publish(admin, "Before confirmation")
    _idle(db)
    assert len(inbox.to("reader@example.org")) == 1
    page = http.get(_link(confirmation, "/mail/confirm"))
    assert (page.status_code, page.headers["referrer-policy"]) == (200, "no-referrer")
    assert "subscribed to The Peninsula" in page.text
    assert http.get(_link(confirmation, "/mail/confirm")).status_code == 200  # twice is fine

    article = _publish(admin, "Sanctions and the alliance", leadImageId=newsroom["image"])
    _, mail = inbox.wait_for("reader@example.org", 2)
    assert mail["Subject"] == "Sanctions and the alliance"
    assert mail["From"] == "The Peninsula <news@example.org>"
    body = text_of(mail)
    assert "What Sanctions and the alliance means." in body
    assert re.search(r"https://example\.org/peninsula/sanctions-and-the-alliance\S*", body)
    assert "Kim Photo" in body
    assert "CC BY-NC-ND 2.0" in body
    assert "Sanctions and the alliance" in html_of(mail)
    assert "Kim Photo" in html_of(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A redelivery of the very message, or the article published again, mails nobody twice.
    with db.write() as session:
        [message_id] = session.execute(
            select(_outbox.c.id).where(_outbox.c.event == "mail.article")
        ).scalars()
        outbox.redeliver(session, message_id, now=utcnow())
    admin.data("mutation($id: ID!) { unpublishArticle(id: $id) { userErrors { code } } }", {"id": article})
    admin.data("mutation($id: ID!) { publishArticle(id: $id) { userErrors { code } } }", {"id": article})
    _idle(db)
    time.sleep(0.3)
    assert len(inbox.to("reader@example.org")) == 2

    # One click in the mail program: a POST to the List-Unsubscribe URL, no page in between.
    one_click = http.post(
        _header_link(mail), content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert one_click.status_code == 200
    _publish(admin, "After unsubscribing")
    _idle(db)
    time.sleep(0.3)
    assert len(inbox.to("reader@example.org")) == 2
    counts = {row["slug"]: row for row in admin.data(LISTS)["mailingLists"]}
    assert (counts["peninsula"]["subscriberCount"], counts["peninsula"]["unsubscribedCount"]) == (0, 1)


def test_the_unsubscribe_link_shows_a_button_and_only_the_post_unsubscribes(
    public: AuthClient,
    admin: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    newsroom: dict[str, Any],
) -> None:
    _signed_up(public, http, inbox, "both@example.org", ["site", "economy"])
    _publish(admin, "Trade figures", section="economy")
    _, mail = inbox.wait_for("both@example.org", 2)  # on two lists, one mail
    _idle(db)
    time.sleep(0.3)
    assert len(inbox.to("both@example.org")) == 2
    link = _link(mail, "/mail/unsubscribe")
    page = http.get(link)  # what a link scanner or a preview does: nothing changes
    assert page.status_code == 200
    assert '<form method="post"' in page.text
    counts = {row["slug"]: row["subscriberCount"] for row in admin.data(LISTS)["mailingLists"]}
    assert (counts["site"], counts["economy"]) == (1, 1)
    action = re.search(r'action="([^"]+)"', page.text)
    assert action is not None
    done = http.post(action.group(1).replace("&amp;", "&"), data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Unsubscribed" in done.text
    counts = {row["slug"]: row["subscriberCount"] for row in admin.data(LISTS)["mailingLists"]}
    assert (counts["site"], counts["economy"]) == (0, 0)
    assert http.get("/mail/unsubscribe?token=u.1.all.forged").status_code == 400
    assert http.get("/mail/confirm?token=nonsense").status_code == 400


def test_the_answer_is_the_same_for_any_address_and_bad_ones_are_user_errors(
    public: AuthClient,
    admin: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    newsroom: dict[str, Any],
) -> None:
    _signed_up(public, http, inbox, "known@example.org", None)
    admin.data('mutation { suppressAddress(email: "blocked@example.org", reason: COMPLAINT) { ok } }')
    answers = [
        public.post(SUBSCRIBE, {"email": email}).json()
        for email in ("new@example.org", "known@example.org", "blocked@example.org", "KNOWN@example.org")
    ]
    assert all(a == answers[0] for a in answers), answers
    _idle(db)
    assert len(inbox.to("new@example.org")) == 1
    assert len(inbox.to("known@example.org")) == 1  # already subscribed: no second confirmation
    assert inbox.to("blocked@example.org") == []
    for bad in ("not an address", "a@b", "two@@example.org", "x" * 400 + "@example.org", ""):
        errors = public.data(SUBSCRIBE, {"email": bad})["subscribe"]
        assert errors["ok"] is False
        assert [(e["field"], e["code"]) for e in errors["userErrors"]] == [("email", "INVALID")], bad
    unknown = public.data(SUBSCRIBE, {"email": "ok@example.org", "lists": ["nope"]})["subscribe"]
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [("lists", "NOT_FOUND")]
    bad_token = public.data(
        'mutation { confirmSubscription(token: "c.1.2.xyz") { ok userErrors { field code } } }'
    )
    assert bad_token["confirmSubscription"] == {
        "ok": False,
        "userErrors": [{"field": "token", "code": "INVALID"}],
    }
    with db.connect() as conn:
        emails = set(conn.execute(text("SELECT address_key FROM subscriber")).scalars())
    assert emails == {"known@example.org", "new@example.org"}


def test_sign_ups_are_rate_limited_per_client_and_per_address(
    settings: Settings, db: Database, newsroom: dict[str, Any]
) -> None:
    from tests.conftest import serve

    strict = dataclasses.replace(
        settings, rate_limit_subscribe="4/hour", rate_limit_subscribe_address="2/hour"
    )
    with serve(strict) as base, httpx.Client(base_url=base, timeout=30) as http:
        api = AuthClient(http, None)
        assert api.data(SUBSCRIBE, {"email": "target@example.org"})["subscribe"]["ok"]
        assert api.data(SUBSCRIBE, {"email": "Target@example.org"})["subscribe"]["ok"]
        refused = api.post(SUBSCRIBE, {"email": "target@example.org"})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert [e["extensions"]["code"] for e in refused.json()["errors"]] == ["RATE_LIMITED"]
        # Another address from the same client: the client's own limit (4) comes next.
        assert api.data(SUBSCRIBE, {"email": "other@example.org"})["subscribe"]["ok"]
        assert api.post(SUBSCRIBE, {"email": "third@example.org"}).status_code == 429


@pytest.fixture
def digest_soon(settings: Settings) -> Settings:
    """Digests due three seconds from now (CMS_MAIL_DIGEST_TIME takes seconds too)."""
    from zoneinfo import ZoneInfo

    due = (utcnow() + timedelta(seconds=3)).astimezone(ZoneInfo(settings.site_time_zone))
    return dataclasses.replace(settings, mail_digest_time=due.strftime("%H:%M:%S"))


def test_a_digest_list_gets_one_mail_a_day_with_every_article(
    digest_soon: Settings, inbox: Inbox, db: Database, newsroom: dict[str, Any]
) -> None:
    from tests.conftest import serve

    with serve(digest_soon) as base, httpx.Client(base_url=base, timeout=30) as http:
        public, admin = AuthClient(http, None), AuthClient(http, token_for(db, "admin"))
        changed = admin.data(
            'mutation { updateMailingList(slug: "economy", mode: DIGEST) { mailingList { slug mode } } }'
        )
        assert changed["updateMailingList"]["mailingList"] == {"slug": "economy", "mode": "DIGEST"}
        _signed_up(public, http, inbox, "daily@example.org", ["economy"])
        _signed_up(public, http, inbox, "instant@example.org", ["site"])
        for title in ("Rates rise", "Exports fall"):
            _publish(admin, title, section="economy")
        inbox.wait_for("instant@example.org", 3)
        _idle(db)
        assert len(inbox.to("daily@example.org")) == 1  # only the confirmation so far
        with db.connect() as conn:
            assert not newsletters.digests_due(conn, settings=digest_soon, now=utcnow())
        time.sleep(3.5)
        # What the worker's housekeeping does once a minute, done now rather than waited for.
        with db.write() as session:
            newsletters.queue_digests(session, settings=digest_soon, now=utcnow())
        with db.write() as session:  # the same digest is never queued twice
            assert newsletters.queue_digests(session, settings=digest_soon, now=utcnow()) == 0
        _, digest = inbox.wait_for("daily@example.org", 2)
        _idle(db)
    assert len(inbox.to("daily@example.org")) == 2
    assert digest["Subject"] == "The Peninsula: 2 new articles"
    assert "Rates rise" in text_of(digest)
    assert "Exports fall" in text_of(digest)
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_scheduled_article_is_mailed_when_its_time_comes(
    public: AuthClient,
    admin: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    newsroom: dict[str, Any],
) -> None:
    _signed_up(public, http, inbox, "early@example.org", None)
    at = (utcnow() + timedelta(seconds=2)).isoformat()
    _publish(admin, "Embargoed until dawn", at=at)
    time.sleep(0.5)
    assert len(inbox.to("early@example.org")) == 1
    _, mail = inbox.wait_for("early@example.org", 2, timeout=20)
    assert mail["Subject"] == "Embargoed until dawn"


def test_suppressed_and_bouncing_addresses_are_never_mailed(
    public: AuthClient,
    admin: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    newsroom: dict[str, Any],
) -> None:
    _signed_up(public, http, inbox, "complains@example.org", None)
    done = admin.data(
        'mutation { suppressAddress(email: "Complains@example.org", reason: COMPLAINT, note: "spam report") '
        "{ ok userErrors { code } } }"
    )
    assert done["suppressAddress"] == {"ok": True, "userErrors": []}
    assert public.data(SUBSCRIBE, {"email": "gone@example.net"})["subscribe"]["ok"]
    _publish(admin, "Nobody suppressed hears of this")
    _idle(db)
    time.sleep(0.3)
    assert len(inbox.to("complains@example.org")) == 1
    record = admin.data('{ subscriber(email: "gone@example.net") { suppressedReason } }')["subscriber"]
    assert record == {"suppressedReason": "BOUNCE"}  # the SMTP server refused it: a hard bounce
    for role in ("editor", "author"):
        api = AuthClient(http, token_for(db, role))
        assert api.codes('mutation { suppressAddress(email: "a@example.org", reason: MANUAL) { ok } }') == [
            "FORBIDDEN"
        ]
        assert api.codes(LISTS) == ["FORBIDDEN"]
    assert public.codes(LISTS) == ["UNAUTHENTICATED"]


def test_a_mail_sent_before_a_crash_is_not_sent_again(
    public: AuthClient,
    admin: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    newsroom: dict[str, Any],
) -> None:
    _signed_up(public, http, inbox, "once@example.org", None)
    _publish(admin, "Sent exactly once")
    inbox.wait_for("once@example.org", 2)
    _idle(db)
    # As if the worker died after the SMTP server took the mail, before it could mark it delivered:
    # its lease runs out and another worker picks the message up.
    with db.write() as session:
        session.execute(
            update(_outbox).where(_outbox.c.event == "mail.article")
            .values(status="pending", lease_until=None, lease_owner=None, next_attempt_at=utcnow())
        )  # fmt: skip
    _idle(db)
    time.sleep(0.3)
    assert len(inbox.to("once@example.org")) == 2
    with db.connect() as conn:
        [sent_at] = conn.execute(select(_sent.c.sent_at)).scalars()
    assert sent_at is not None


def test_unconfirmed_sign_ups_are_forgotten_and_their_links_expire(
    public: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    settings: Settings,
    newsroom: dict[str, Any],
) -> None:
    public.data(SUBSCRIBE, {"email": "undecided@example.org"})
    [confirmation] = inbox.wait_for("undecided@example.org", 1)
    later = utcnow() + timedelta(days=settings.mail_unconfirmed_days, hours=1)
    with db.write() as session:
        assert subscribers.purge_unconfirmed(session, settings=settings, now=utcnow()) == 0
        assert subscribers.purge_unconfirmed(session, settings=settings, now=later) == 1
    page = http.get(_link(confirmation, "/mail/confirm"))
    assert page.status_code == 400
    assert "sign up again" in page.text


def test_an_address_can_be_exported_and_deleted_on_request(
    public: AuthClient,
    admin: AuthClient,
    http: httpx.Client,
    inbox: Inbox,
    db: Database,
    newsroom: dict[str, Any],
) -> None:
    _signed_up(public, http, inbox, "person@example.org", ["site", "peninsula"])
    record = admin.data(
        '{ subscriber(email: "PERSON@example.org") { email status consentSource consentAt confirmedAt '
        "subscriptions { list status } } }"
    )["subscriber"]
    assert (record["email"], record["status"], record["consentSource"]) == (
        "person@example.org",
        "active",
        "api",
    )
    assert record["confirmedAt"]
    assert record["consentAt"]
    assert sorted(s["list"] for s in record["subscriptions"]) == ["peninsula", "site"]
    deleted = admin.data(
        'mutation { deleteSubscriber(email: "person@example.org") { ok userErrors { code } } }'
    )
    assert deleted["deleteSubscriber"] == {"ok": True, "userErrors": []}
    assert admin.data('{ subscriber(email: "person@example.org") { email } }')["subscriber"] is None
    again = admin.data(
        'mutation { deleteSubscriber(email: "person@example.org") { ok userErrors { code } } }'
    )
    assert again["deleteSubscriber"]["userErrors"] == [{"code": "NOT_FOUND"}]
    with db.connect() as conn:
        actions = [
            (row.action, str(row.detail))
            for row in conn.execute(text("SELECT action, detail FROM audit_log"))
        ]
    assert "subscriber.delete" in {a for a, _ in actions}
    assert "subscriber.access" in {a for a, _ in actions}
    assert not any("person@example.org" in detail for _, detail in actions)


def test_the_command_line_exports_shows_suppresses_and_deletes(
    db: Database, settings: Settings, seed: Seeder
) -> None:
    from typer.testing import CliRunner

    from cms.cli import app

    now = utcnow()
    with db.write() as session:
        subscribers.subscribe(
            session, email="csv@example.org", lists=None, source="=HYPERLINK(1)", client="127.0.0.1", now=now
        )
    env = {"CMS_DATABASE_URL": settings.database_url, "CMS_SECRET_KEY": "test-secret"}
    runner = CliRunner()
    exported = runner.invoke(app, ["subscribers", "export"], env=env)
    assert exported.exit_code == 0, exported.output
    header, row = exported.stdout.strip().splitlines()
    assert header.startswith("email,status,lists,consent_at,consent_source")
    assert row.startswith("csv@example.org,pending,,")
    assert ",'=HYPERLINK(1)," in row
    shown = runner.invoke(app, ["subscribers", "show", "CSV@example.org"], env=env)
    assert shown.exit_code == 0
    assert '"consentIp": "127.0.0.1"' in shown.stdout
    assert (
        runner.invoke(
            app, ["subscribers", "suppress", "csv@example.org", "--reason", "complaint"], env=env
        ).exit_code
        == 0
    )
    assert "suppressed" in runner.invoke(app, ["subscribers", "show", "csv@example.org"], env=env).stdout
    assert (
        runner.invoke(
            app, ["subscribers", "suppress", "x@example.org", "--reason", "nope"], env=env
        ).exit_code
        == 1
    )
    assert runner.invoke(app, ["subscribers", "lists"], env=env).exit_code == 0
    assert runner.invoke(app, ["subscribers", "delete", "csv@example.org"], env=env).exit_code == 0
    assert runner.invoke(app, ["subscribers", "show", "csv@example.org"], env=env).exit_code == 1
    assert runner.invoke(app, ["subscribers", "delete", "not-an-address"], env=env).exit_code == 1
