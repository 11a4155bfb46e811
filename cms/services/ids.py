"""Global IDs: opaque to clients, the same in every surface (GraphQL, sync, webhooks, feeds)."""

from __future__ import annotations

import base64
from functools import lru_cache


@lru_cache(maxsize=65536)
def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()
