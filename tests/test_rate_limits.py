"""Rate limits: per client address, per token, per partner; in memory and shared through Redis.

Limits here are per day, so that no test can straddle a window's end; each test counts
under addresses of its own (X-Forwarded-For from a trusted proxy), so runs sharing one
Redis never share a count.
"""

from __future__ import annotations

import dataclasses
import random
import socket
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from cms.app import create_app
from cms.db import Database
from cms.models import Role, utcnow
from cms.services import partners, tokens
from cms.services.ratelimit import ClientAddress, RateLimiter, parse_rate
from cms.services.scope import Scope
from cms.services.tokens import Caller
from cms.settings import Settings
from tests.test_editorial_api import token_for

STATS = {"query": "{ stats { totalPublications } }"}
REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")


def _address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def _limited(settings: Settings, **changes: Any) -> Settings:
    defaults: dict[str, Any] = {"rate_limit_anonymous": "3/day", "trusted_proxies": ("127.0.0.1/32",)}
    return dataclasses.replace(settings, **{**defaults, **changes})


@pytest.fixture
def local(settings: Settings) -> Iterator[TestClient]:
    """The app as seen from a peer at 127.0.0.1 (a trusted proxy here), with 3 requests a day."""
    with TestClient(create_app(_limited(settings)), client=("127.0.0.1", 50000)) as client:
        yield client


def _codes(response: Any) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


def test_every_answer_says_how_many_requests_are_left(local: TestClient) -> None:
    client = {"x-forwarded-for": _address()}
    answers = [
        local.post("/graphql", json=STATS, headers=client),
        local.post("/graphql", content=b"{not json", headers={**client, "content-type": "application/json"}),
        local.get("/graphql", params={"query": "{ nope }"}, headers=client),
    ]
    assert [a.status_code for a in answers] == [200, 400, 200]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
    for answer in answers:
        assert answer.headers["ratelimit-limit"] == "3"
        assert answer.headers["ratelimit-policy"] == "3;w=86400"
        assert 0 < int(answer.headers["ratelimit-reset"]) <= 86400


def test_over_the_limit_is_429_with_retry_after_and_rate_limited(local: TestClient) -> None:
    client = {"x-forwarded-for": _address()}
    for _ in range(3):
        assert local.post("/graphql", json=STATS, headers=client).status_code == 200
    refused = local.post("/graphql", json=STATS, headers=client)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 86400
    assert refused.headers["ratelimit-remaining"] == "0"
    assert _codes(refused) == ["RATE_LIMITED"]
    assert "the limit is 3 in 86400 s" in refused.json()["errors"][0]["message"]
    assert "data" not in refused.json()
    assert refused.json()["extensions"]["cost"]["requested"] == 0
    # Someone else, behind the same proxy, is unaffected.
    assert local.post("/graphql", json=STATS, headers={"x-forwarded-for": _address()}).status_code == 200


def test_a_staff_token_counts_on_its_own_and_not_against_its_address(
    settings: Settings, db: Database
) -> None:
    with db.write() as session:
        _, first = tokens.create(session, name="one", role="editor")
        _, second = tokens.create(session, name="two", role="editor")
    limited = _limited(settings, rate_limit_token="2/day")
    address = _address()
    with TestClient(create_app(limited), client=("127.0.0.1", 50000)) as client:

        def post(token: str | None) -> Any:
            headers = {"x-forwarded-for": address}
            if token:
                headers["authorization"] = f"Bearer {token}"
            return client.post("/graphql", json=STATS, headers=headers)

        assert [post(first).status_code for _ in range(3)] == [200, 200, 429]
        assert post(first).headers["ratelimit-limit"] == "2"
        assert post(second).status_code == 200  # its own count
        assert [post(None).status_code for _ in range(4)] == [200, 200, 200, 429]  # the address's own


def test_a_partner_counts_all_its_tokens_together() -> None:
    scope = Scope(partner_id=7, commercial_use=False, section_ids=None, version=1)
    assert Caller(token_id=4, partner=scope).rate_key == "partner:7"
    assert Caller(token_id=5, partner=scope).rate_key == "partner:7"
    assert Caller(token_id=4).rate_key == "token:4"
    assert Caller().rate_key is None


def test_a_partner_token_is_held_to_the_partner_limit(settings: Settings, db: Database) -> None:
    partner = token_for(db, "partner", "wire")
    limited = _limited(settings, rate_limit_partner="1/day", rate_limit_token="100/day")
    with TestClient(create_app(limited)) as client:
        headers = {"authorization": f"Bearer {partner}"}
        assert [client.post("/graphql", json=STATS, headers=headers).status_code for _ in range(2)] == [
            200,
            429,
        ]


def test_a_wrong_token_counts_against_its_address(local: TestClient) -> None:
    headers = {"x-forwarded-for": _address(), "authorization": "Bearer cms_guess"}
    assert [local.post("/graphql", json=STATS, headers=headers).status_code for _ in range(4)] == [
        401,
        401,
        401,
        429,
    ]


def test_off_switches_a_limit_off_and_its_headers_with_it(settings: Settings) -> None:
    with TestClient(create_app(_limited(settings, rate_limit_anonymous="off"))) as client:
        for _ in range(5):
            response = client.post("/graphql", json=STATS)
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers


# --- The client's address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded", "client"),
    [
        pytest.param((), "203.0.113.9", "198.51.100.1", "203.0.113.9", id="no-proxy-trusted"),
        pytest.param(("10.0.0.0/8",), "203.0.113.9", "198.51.100.1", "203.0.113.9", id="peer-not-a-proxy"),
        pytest.param(("10.0.0.0/8",), "10.0.0.2", "198.51.100.1", "198.51.100.1", id="one-proxy"),
        pytest.param(("10.0.0.0/8",), "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1", id="spoofed-left"),
        pytest.param(("10.0.0.0/8",), "10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1", id="two-proxies"),
        pytest.param(("10.0.0.0/8",), "10.0.0.2", "junk, 198.51.100.1", "198.51.100.1", id="junk-left"),
        pytest.param(("10.0.0.0/8",), "10.0.0.2", "198.51.100.1, junk", "10.0.0.2", id="junk-from-proxy"),
        pytest.param(("10.0.0.0/8",), "10.0.0.2", None, "10.0.0.2", id="no-header"),
        pytest.param((), "2001:db8:1:2:3:4:5:6", None, "2001:db8:1:2::/64", id="ipv6-by-64"),
        pytest.param((), "::ffff:192.0.2.1", None, "192.0.2.1", id="ipv4-mapped"),
        pytest.param(("10.0.0.0/8",), "10.0.0.2", "[2001:db8::1]", "2001:db8::/64", id="bracketed-ipv6"),
    ],
)
def test_the_client_address_believes_only_trusted_proxies(
    trusted: tuple[str, ...], peer: str, forwarded: str | None, client: str
) -> None:
    assert ClientAddress(trusted)(peer, forwarded) == client


@pytest.fixture
def untrusting_server(settings: Settings) -> Iterator[str]:
    """A real server whose trusted proxies do not include the test's own address."""
    from tests.conftest import serve

    with serve(_limited(settings, trusted_proxies=("10.0.0.0/8",))) as base:
        yield base


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(untrusting_server: str) -> None:
    with httpx.Client(base_url=untrusting_server, timeout=30) as http:
        statuses = [
            http.post("/graphql", json=STATS, headers={"x-forwarded-for": _address()}).status_code
            for _ in range(4)
        ]
    assert statuses == [200, 200, 200, 429]


@pytest.fixture
def trusting_server(settings: Settings) -> Iterator[str]:
    from tests.conftest import serve

    with serve(_limited(settings)) as base:
        yield base


def test_a_trusted_proxy_forwards_each_client_address(trusting_server: str) -> None:
    with httpx.Client(base_url=trusting_server, timeout=30) as http:
        one, two = _address(), _address()
        statuses = [
            http.post("/graphql", json=STATS, headers={"x-forwarded-for": one}).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        assert http.post("/graphql", json=STATS, headers={"x-forwarded-for": two}).status_code == 200


# --- Several nodes, one count -------------------------------------------------------------------


@needs_redis
def test_two_app_nodes_share_one_count_through_redis(settings: Settings) -> None:
    shared = _limited(settings, redis_url=REDIS_URL)
    client = {"x-forwarded-for": _address()}
    with (
        TestClient(create_app(shared), client=("127.0.0.1", 50000)) as node_a,
        TestClient(create_app(shared), client=("127.0.0.1", 50001)) as node_b,
    ):
        assert node_a.post("/graphql", json=STATS, headers=client).headers["ratelimit-remaining"] == "2"
        assert node_b.post("/graphql", json=STATS, headers=client).headers["ratelimit-remaining"] == "1"
        assert node_a.post("/graphql", json=STATS, headers=client).status_code == 200
        refused = node_b.post("/graphql", json=STATS, headers=client)
        assert refused.status_code == 429
        assert _codes(refused) == ["RATE_LIMITED"]


@needs_redis
def test_the_limiter_counts_the_same_in_memory_and_in_redis() -> None:
    limit = parse_rate("2/day")
    assert limit is not None
    key = _address()
    for limiter in (RateLimiter(), RateLimiter(REDIS_URL)):
        decisions = [limiter.hit(limit, "test", key) for _ in range(3)]
        assert [d.allowed for d in decisions] == [True, True, False]
        assert [d.remaining for d in decisions] == [1, 0, 0]
        assert decisions[-1].retry_after > 0
        assert len({d.reset_at for d in decisions}) == 1


def test_an_unreachable_redis_lets_requests_through() -> None:
    limit = parse_rate("1/day")
    assert limit is not None
    limiter = RateLimiter("redis://127.0.0.1:9/0")  # nothing listens on the discard port
    assert all(limiter.hit(limit, "test", "x").allowed for _ in range(3))


def test_a_partner_with_its_own_terms_is_held_to_them(settings: Settings, db: Database, seed: Any) -> None:
    partner_id = seed.partner("Small Wire")
    with db.write() as session:
        admin = Caller(name="admin", role=Role.ADMIN)
        partners.update_one(session, admin, partner_id, {"requests_per_minute": 2}, now=utcnow())
    token = token_for(db, "partner", "small", partner_id=partner_id)
    generous = _limited(settings, rate_limit_partner="1000/minute")
    with TestClient(create_app(generous)) as client:
        headers = {"authorization": f"Bearer {token}"}
        codes = [client.post("/graphql", json=STATS, headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


@needs_redis
def test_with_redis_a_node_reserves_a_share_of_a_large_limit_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limit = parse_rate("1000/day")  # a node reserves 10 hits at a time
    assert limit is not None
    limiter = RateLimiter(REDIS_URL)
    assert limiter.redis is not None
    trips: list[int] = []
    incr = limiter.redis.incr
    monkeypatch.setattr(limiter.redis, "incr", lambda *a, **k: trips.append(1) or incr(*a, **k))
    key = _address()
    assert limiter.hit_nowait(limit, "test", key) is None  # nothing reserved yet: only Redis can say
    decisions = [limiter.hit(limit, "test", key) for _ in range(25)]
    assert len(trips) == 3
    assert [d.remaining for d in decisions] == list(range(999, 974, -1))
    quick = limiter.hit_nowait(limit, "test", key)  # from the reservation, without a round trip
    assert quick is not None
    assert (quick.allowed, quick.remaining) == (True, 974)
    assert len(trips) == 3


@needs_redis
def test_nodes_sharing_redis_never_allow_more_than_the_limit_together() -> None:
    limit = parse_rate("300/day")  # each node reserves 3 at a time
    assert limit is not None
    nodes = (RateLimiter(REDIS_URL), RateLimiter(REDIS_URL))
    key = _address()
    allowed = 0
    for turn in range(400):
        allowed += nodes[turn % 2].hit(limit, "test", key).allowed
    assert 300 - 2 * 3 <= allowed <= 300
    for node in nodes:  # the window is known to be full: refused with no further round trip
        refused = node.hit_nowait(limit, "test", key)
        assert refused is not None
        assert not refused.allowed
        assert refused.retry_after > 0


@needs_redis
def test_a_small_limit_is_counted_exactly_across_nodes() -> None:
    limit = parse_rate("5/day")
    assert limit is not None
    nodes = (RateLimiter(REDIS_URL), RateLimiter(REDIS_URL))
    key = _address()
    decisions = [nodes[turn % 2].hit(limit, "test", key) for turn in range(7)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0, 0]
    assert nodes[0].hit_nowait(limit, "test", key) is None  # nothing reserved: every hit asks Redis
