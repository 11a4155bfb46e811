"""Webhooks: signed per Standard Webhooks, durable through the outbox, retried, and never sent to
private addresses unless allowed. Receivers are real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import text
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from cms.db import Database
from cms.graphql.relay import to_global_id
from cms.services.images import ImageFields, add_image
from cms.settings import Settings
from tests.conftest import _free_port
from tests.factories import Seeder
from tests.test_editorial_api import AuthClient, token_for
from tests.test_media_intake import photo, save
from tests.webhook_receiver import receiver

CREATE = """mutation($input: WebhookInput!) { createWebhook(input: $input) {
  webhook { id url events active } secret userErrors { field code message } } }"""
DELIVERIES = """query($id: ID) { webhookDeliveries(webhookId: $id) { totalCount edges { node {
  id event status attempts
  lastStatusCode attemptLog { statusCode latencyMs error responseSnippet } } } } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings, webhook_allow_private=True, webhook_retry_schedule=(0.2, 0.2, 0.2), webhook_timeout=2.0,
        worker_interval=0.1, worker=True,
    )  # fmt: skip


@pytest.fixture
def admin(server: str, db: Database) -> Any:
    with httpx.Client(base_url=server, timeout=30) as http:
        yield AuthClient(http, token_for(db, "admin"))


def _story(admin: Any, seed: Seeder, title: str = "Sanctions and the alliance", **extra: Any) -> str:
    with seed.db.connect() as conn:
        known = conn.execute(text("SELECT 1 FROM author WHERE slug = 'jane'")).first()
    if not known:
        seed.author("Jane Example", slug="jane")
    made = admin.data(
        """mutation($t: String, $img: ID) {
          createArticle(input: {title: $t, authorSlugs: ["jane"], leadImageId: $img}) {
          article { id } } }""",
        {"t": title, "img": extra.get("image")},
    )
    return str(made["createArticle"]["article"]["id"])


def _publish(admin: Any, article: str) -> None:
    assert (
        admin.data("mutation($id: ID!) { publishArticle(id: $id) { userErrors { code } } }", {"id": article})[
            "publishArticle"
        ]["userErrors"]
        == []
    )


def test_a_published_article_is_delivered_signed_and_verifiable(admin: Any, seed: Seeder) -> None:
    with receiver() as hook:
        made = admin.data(CREATE, {"input": {"url": hook.url, "events": ["article.published"]}})[
            "createWebhook"
        ]
        assert made["userErrors"] == []
        assert made["secret"].startswith("whsec_")
        article = _story(admin, seed)
        _publish(admin, article)
        [delivery] = hook.wait_for(1)
    payload = Verifier(made["secret"]).verify(delivery.body, delivery.headers)
    assert payload["type"] == "article.published"
    assert payload["data"]["article"]["id"] == article
    assert payload["data"]["article"]["title"] == "Sanctions and the alliance"
    assert delivery.headers["webhook-id"].startswith("msg_")
    with pytest.raises(WebhookVerificationError):
        Verifier("whsec_" + "A" * 32).verify(delivery.body, delivery.headers)
    # The secret is shown once: the webhook itself never gives it back.
    assert "secret" not in admin.data("{ webhooks { id } }")["webhooks"][0]


def test_failed_attempts_are_retried_and_every_attempt_is_recorded(admin: Any, seed: Seeder) -> None:
    with receiver(fail_first=2) as hook:
        made = admin.data(CREATE, {"input": {"url": hook.url, "events": ["article.published"]}})[
            "createWebhook"
        ]
        _publish(admin, _story(admin, seed))
        hook.wait_for(1)
        time.sleep(0.3)
        nodes = admin.data(DELIVERIES, {"id": made["webhook"]["id"]})["webhookDeliveries"]["edges"]
    [node] = [e["node"] for e in nodes]
    assert (node["status"], node["attempts"], node["lastStatusCode"]) == ("DELIVERED", 3, 200)
    assert [a["statusCode"] for a in node["attemptLog"]] == [500, 500, 200]
    assert node["attemptLog"][0]["responseSnippet"] == "try again later"
    assert len({r.headers["webhook-id"] for r in hook.requests}) == 1  # a retry keeps its id


def test_after_the_last_retry_a_delivery_fails_and_can_be_redelivered_with_its_id(
    admin: Any, seed: Seeder
) -> None:
    with receiver(fail_first=4) as hook:
        made = admin.data(CREATE, {"input": {"url": hook.url, "events": ["article.published"]}})[
            "createWebhook"
        ]
        _publish(admin, _story(admin, seed))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            edges = admin.data(DELIVERIES, {"id": made["webhook"]["id"]})["webhookDeliveries"]["edges"]
            if edges and edges[0]["node"]["status"] == "FAILED":
                break
            time.sleep(0.1)
        node = edges[0]["node"]
        assert (node["status"], node["attempts"]) == ("FAILED", 4)
        again = admin.data(
            """mutation($id: ID!) {
              redeliverWebhook(deliveryId: $id) { delivery { status } userErrors { code } } }""",
            {"id": node["id"]},
        )["redeliverWebhook"]
        assert again["userErrors"] == []
        [delivered] = hook.wait_for(1)
    assert len({r.headers["webhook-id"] for r in hook.requests}) == 1
    assert delivered.headers["webhook-id"] == hook.requests[0].headers["webhook-id"]


def test_private_receivers_are_refused_unless_allowed(client: Any, db: Database, settings: Settings) -> None:
    strict = dataclasses.replace(settings, webhook_allow_private=False)
    from starlette.testclient import TestClient

    from cms.app import create_app

    with TestClient(create_app(strict)) as http:
        admin = AuthClient(http, token_for(db, "admin"))
        for url in ("http://127.0.0.1:9/hook", "http://localhost/x", "http://10.1.2.3/x", "http://[::1]/x",
                    "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/x"):  # fmt: skip
            errors = admin.data(CREATE, {"input": {"url": url, "events": ["ping"]}})["createWebhook"][
                "userErrors"
            ]
            assert [(e["field"], e["code"]) for e in errors] == [("url", "INVALID")], url
        bad = admin.data(CREATE, {"input": {"url": "ftp://example.org/x", "events": ["nope"]}})[
            "createWebhook"
        ]
        assert {e["field"] for e in bad["userErrors"]} == {"url", "events"}


def test_only_admins_manage_webhooks(client: Any, db: Database) -> None:
    for role in ("author", "editor", "partner"):
        api = AuthClient(client, token_for(db, role))
        assert api.codes(CREATE, {"input": {"url": "https://example.org/h", "events": ["ping"]}}) == [
            "FORBIDDEN"
        ]
        assert api.codes("{ webhooks { id } }") == ["FORBIDDEN"]
        assert api.codes("{ webhookDeliveries { totalCount } }") == ["FORBIDDEN"]


def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(admin: Any, seed: Seeder) -> None:
    with receiver() as hook:
        made = admin.data(CREATE, {"input": {"url": hook.url, "events": ["ping"]}})["createWebhook"]
        rotated = admin.data(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret userErrors { code } } }",
            {"id": made["webhook"]["id"]},
        )["rotateWebhookSecret"]
        assert rotated["secret"] != made["secret"]
        admin.data(
            "mutation($id: ID!) { pingWebhook(id: $id) { userErrors { code } } }",
            {"id": made["webhook"]["id"]},
        )
        [ping] = hook.wait_for(1)
    assert len(ping.headers["webhook-signature"].split(" ")) == 2
    for secret in (made["secret"], rotated["secret"]):
        assert Verifier(secret).verify(ping.body, ping.headers)["type"] == "ping"


def test_a_partner_webhook_body_follows_the_partners_licence_terms(
    admin: Any, seed: Seeder, db: Database, settings: Settings
) -> None:
    fields = ImageFields(
        title="Harbour", creator="Jane", source_url="https://e.org/1", license="CC-BY-NC-2.0"
    )
    with db.write() as session:
        image = add_image(
            session, data=save(photo((320, 200)), "JPEG"), filename="h.jpg", fields=fields, settings=settings
        )
    partner = to_global_id("Partner", seed.partner("Commercial Daily", commercial=True))
    with receiver() as public_hook, receiver() as partner_hook:
        admin.data(CREATE, {"input": {"url": public_hook.url, "events": ["article.published"]}})
        admin.data(
            CREATE,
            {"input": {"url": partner_hook.url, "events": ["article.published"], "partnerId": partner}},
        )
        _publish(admin, _story(admin, seed, image=to_global_id("Image", image)))
        [plain] = public_hook.wait_for(1)
        [partnered] = partner_hook.wait_for(1)
    assert plain.json["data"]["article"]["leadImage"]["credit"]["license"]["code"] == "CC-BY-NC-2.0"
    assert partnered.json["data"]["article"]["leadImage"] is None
    assert partnered.json["data"]["article"]["leadImageWithheld"] == "NONCOMMERCIAL_LICENSE"


def test_a_webhook_is_switched_off_after_failed_deliveries_in_a_row(
    admin: Any, seed: Seeder, db: Database, settings: Settings
) -> None:
    with receiver(status=410) as hook:
        made = admin.data(CREATE, {"input": {"url": hook.url, "events": ["article.published"]}})[
            "createWebhook"
        ]
        _publish(admin, _story(admin, seed))
        hook_id = made["webhook"]["id"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = admin.data("{ webhooks { id active disabledReason } }")["webhooks"]
            if not found[0]["active"]:
                break
            time.sleep(0.1)
    assert found == [{"id": hook_id, "active": False, "disabledReason": "the receiver answered 410 Gone"}]
    assert len(hook.requests) == 1  # 410 means stop: no retries


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "cms.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def test_a_server_killed_mid_delivery_delivers_everything_after_a_restart(
    db: Database, seed: Seeder, settings: Settings, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CMS_")},
        "CMS_DATABASE_URL": settings.database_url, "CMS_MEDIA_ROOT": str(tmp_path / "media"),
        "CMS_SECRET_KEY": "kill-test", "CMS_WEBHOOK_ALLOW_PRIVATE": "on", "CMS_WEBHOOK_TIMEOUT": "1s",
        "CMS_WEBHOOK_RETRY_SCHEDULE": "0.2s,0.2s,0.2s,0.2s", "CMS_WORKER_INTERVAL": "0.1s",
    }  # fmt: skip
    port = _free_port()
    with receiver(hang_first=4.0) as hook:
        server = _serve(env, port)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                admin = AuthClient(http, token_for(db, "admin"))
                admin.data(CREATE, {"input": {"url": hook.url, "events": ["article.published"]}})
                articles = [_story(admin, seed, title=f"Story {n}") for n in range(3)]
                for article in articles:
                    _publish(admin, article)
            deadline = time.monotonic() + 10
            while not hook.requests and time.monotonic() < deadline:
                time.sleep(0.02)
            assert hook.requests, "no delivery started"
            server.send_signal(signal.SIGKILL)  # in the middle of the first delivery
            server.wait(timeout=10)
        finally:
            if server.poll() is None:
                server.kill()
        server = _serve(env, port)
        try:
            delivered = hook.wait_for(3, timeout=30)
        finally:
            server.terminate()
            server.wait(timeout=15)
    assert sorted(r.json["data"]["article"]["id"] for r in delivered) == sorted(articles)
