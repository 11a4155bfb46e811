"""One rate limiter for every surface, in memory on one node or in Redis for several.

Windows are fixed and aligned to the clock (a minute limit resets on the minute), and
the window's number is part of the key. A hit is then a single increment-with-expiry,
one round trip to Redis, and the reset time needs no second question to the store.
Limits are parsed, and Redis is spoken to, by the `limits` package. In memory the
counting is a dict under a lock: `limits`' MemoryStorage restarts a timer thread every
10 ms while it holds keys, which costs the event loop milliseconds under load.

With Redis, a node reserves a share of a window's limit at a time (``LEASE_SHARE``: a
hundredth) with one increment, and counts the hits it allows against that share in memory:
a request answered from the cache then costs no round trip. The total allowed across
nodes never passes the limit; a node may hold hits it will not use, so others can be
refused up to a hundredth of the limit early per node, and each node's RateLimit-Remaining
leaves out what the others allowed since its last reservation. A limit under a hundred
per window is counted hit by hit, exactly, as before.

If Redis cannot be reached the limiter lets requests through and says so in the log:
an outage of the counter should not become an outage of the API.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string

log = logging.getLogger("cms.ratelimit")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_MAX_HOPS = 20  # proxies in front of us; a longer X-Forwarded-For is someone's padding
LEASE_SHARE = 100  # with Redis, a node reserves 1/LEASE_SHARE of a window's limit at a time


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # Unix time at which the window's count starts again
    retry_after: int  # whole seconds to wait when refused (0 when allowed)
    window: int = 60  # the window's length in seconds

    def headers(self, now: float | None = None) -> dict[str, str]:
        """RateLimit-* headers (IETF httpapi draft: the reset is in seconds from now)."""
        now = time.time() if now is None else now
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(max(0, math.ceil(self.reset_at - now))),
            "RateLimit-Policy": f"{self.limit};w={self.window}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


def parse_rate(text: str) -> RateLimitItem | None:
    """``6000/minute``, ``100 per 10 seconds`` ...; None for ``off``."""
    return None if text.strip().lower() == "off" else parse(text)


class _MemoryCounts:
    """This process's counts for the windows still open."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._resets: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def incr(self, key: str, amount: int, *, reset_at: float, now: float) -> int:
        with self._lock:
            if now >= self._next_purge:
                for done in [k for k, at in self._resets.items() if at <= now]:
                    del self._counts[done], self._resets[done]
                self._next_purge = now + 1
            count = self._counts[key] = self._counts.get(key, 0) + amount
            self._resets[key] = reset_at
            return count


@dataclass
class _Lease:
    """What this node reserved of one window's count in Redis."""

    left: int  # hits it may still allow without asking again
    counted: int  # the window's count in Redis at the last reservation (every node's)
    reset_at: float
    period: int
    full: bool  # that count reached the limit: nothing more to reserve in this window


class _Leases:
    def __init__(self) -> None:
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def take(self, key: str, limit: int, now: float) -> Decision | None:
        """A hit allowed (or refused) from what is reserved; None when Redis must be asked."""
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease.reset_at <= now:
                return None
            return self._take(lease, limit, now)

    def add(
        self, key: str, limit: int, reserved: int, counted: int, *, reset_at: float, period: int, now: float
    ) -> Decision:
        """Record a reservation (Redis's count after adding ``reserved``) and take one hit from it."""
        capacity = max(0, min(reserved, limit - (counted - reserved)))
        with self._lock:
            if now >= self._next_purge:
                for done in [k for k, lease in self._leases.items() if lease.reset_at <= now]:
                    del self._leases[done]
                self._next_purge = now + 1
            lease = self._leases.get(key)
            if lease is None or lease.reset_at <= now:
                lease = self._leases[key] = _Lease(0, 0, reset_at, period, False)
            lease.left += capacity
            lease.counted = max(lease.counted, counted)
            lease.full = lease.counted >= limit
            decision = self._take(lease, limit, now)
        assert decision is not None
        return decision

    @staticmethod
    def _take(lease: _Lease, limit: int, now: float) -> Decision | None:
        if lease.left > 0:
            lease.left -= 1
            remaining = max(0, limit - (lease.counted - lease.left))
            return Decision(True, limit, remaining, lease.reset_at, 0, lease.period)
        if lease.full:
            retry_after = max(1, math.ceil(lease.reset_at - now))
            return Decision(False, limit, 0, lease.reset_at, retry_after, lease.period)
        return None


class RateLimiter:
    """Counts hits per key and window. ``storage_url`` is a Redis URL, or None for memory."""

    def __init__(self, storage_url: str | None = None, *, prefix: str = "cms:rate") -> None:
        self.redis: Storage | None = None
        if storage_url is not None:
            storage = storage_from_string(storage_url, wrap_exceptions=True, key_prefix=prefix)
            assert isinstance(storage, Storage)  # a synchronous one: hits come from pool threads
            self.redis = storage
        self.shared = self.redis is not None
        self._memory = _MemoryCounts()
        self._leases = _Leases()
        self._complained_at = 0.0

    def hit_nowait(self, limit: RateLimitItem, *key_parts: str, now: float | None = None) -> Decision | None:
        """A hit decided without I/O (in memory, or from this node's reservation), or None when only
        ``hit()`` can say: call that one then, off the event loop."""
        if self.redis is None:
            return self.hit(limit, *key_parts, now=now)
        now = time.time() if now is None else now
        key, _ = self._window(limit, key_parts, now)
        return self._leases.take(key, limit.amount, now)

    def hit(self, limit: RateLimitItem, *key_parts: str, cost: int = 1, now: float | None = None) -> Decision:
        now = time.time() if now is None else now
        period = limit.get_expiry()
        key, reset_at = self._window(limit, key_parts, now)
        leased = self.redis is not None and cost == 1 and limit.amount >= LEASE_SHARE
        try:
            if self.redis is None:
                count = self._memory.incr(key, cost, reset_at=reset_at, now=now)
            elif leased:
                decision = self._leases.take(key, limit.amount, now)
                if decision is None:
                    share = limit.amount // LEASE_SHARE
                    counted = self.redis.incr(key, max(1, math.ceil(reset_at - now)), amount=share)
                    decision = self._leases.add(
                        key, limit.amount, share, counted, reset_at=reset_at, period=period, now=now
                    )
                return decision
            else:
                count = self.redis.incr(key, max(1, math.ceil(reset_at - now)), amount=cost)
        except StorageError as exc:
            if now - self._complained_at > 60:
                self._complained_at = now
                log.warning("rate limiter storage unavailable, letting requests through: %s", exc)
            return Decision(True, limit.amount, limit.amount, reset_at, 0, period)
        allowed = count <= limit.amount
        retry_after = 0 if allowed else max(1, math.ceil(reset_at - now))
        return Decision(allowed, limit.amount, max(0, limit.amount - count), reset_at, retry_after, period)

    @staticmethod
    def _window(limit: RateLimitItem, key_parts: tuple[str, ...], now: float) -> tuple[str, float]:
        """The key of the window ``now`` falls in, and when that window ends."""
        period = limit.get_expiry()
        window = int(now // period)
        return "/".join((*key_parts, f"{limit.amount}per{period}", str(window))), (window + 1) * period


class ClientAddress:
    """Which address an anonymous request counts under.

    X-Forwarded-For is believed only when the peer is one of our proxies, and then
    only as far as the hops our proxies added: reading from the right, the first
    address that is not a trusted proxy is the client. Anything a client writes to the
    left of that is ignored, so a spoofed header changes nothing.
    """

    def __init__(self, trusted: Iterable[str]) -> None:
        self.trusted = tuple(ipaddress.ip_network(n, strict=False) for n in trusted)
        # Readers come back: parsing the same addresses on every request is most of this class's cost.
        self._memo: dict[tuple[str | None, str | None], str] = {}

    def _trusted(self, address: IPAddress) -> bool:
        return any(address in network for network in self.trusted)

    def __call__(self, peer: str | None, forwarded_for: str | None) -> str:
        found = self._memo.get((peer, forwarded_for))
        if found is None:
            found = self._resolve(peer, forwarded_for)
            if len(self._memo) >= 10_000:
                self._memo.clear()
            self._memo[(peer, forwarded_for)] = found
        return found

    def _resolve(self, peer: str | None, forwarded_for: str | None) -> str:
        address = _address(peer)
        if address is None:
            return peer or "unknown"
        if self.trusted and forwarded_for and self._trusted(address):
            for hop in reversed(forwarded_for.split(",")[-_MAX_HOPS:]):
                claimed = _address(hop.strip().strip("[]"))
                if claimed is None:
                    break  # garbled: the last hop we could read is as far as trust goes
                address = claimed
                if not self._trusted(address):
                    break
        return bucket(address)


def _address(text: str | None) -> IPAddress | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def bucket(address: IPAddress) -> str:
    """An IPv4 address counts alone; an IPv6 one by its /64, which one subscriber holds whole."""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
