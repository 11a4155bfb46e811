"""One rate limiter for every surface, in memory on one node or in Redis for several.

Windows are fixed and aligned to the clock (a minute limit resets on the minute), and
the window's number is part of the key. A hit is then a single increment-with-expiry,
one round trip to Redis, and the reset time needs no second question to the store.
Limits are parsed, and Redis is spoken to, by the `limits` package. In memory the
counting is a dict under a lock: `limits`' MemoryStorage restarts a timer thread every
10 ms while it holds keys, which costs the event loop milliseconds under load.

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
        self._complained_at = 0.0

    def hit(self, limit: RateLimitItem, *key_parts: str, cost: int = 1, now: float | None = None) -> Decision:
        now = time.time() if now is None else now
        period = limit.get_expiry()
        window = int(now // period)
        reset_at = (window + 1) * period
        key = "/".join((*key_parts, f"{limit.amount}per{period}", str(window)))
        try:
            if self.redis is None:
                count = self._memory.incr(key, cost, reset_at=reset_at, now=now)
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
