"""Who is asking, and how often: a visitor is an IP address (docs/security.md, "Who is a
visitor"), and a RateLimit counts what each one spends, in bounded memory."""

import ipaddress
import os
import threading
import time
from collections import deque
from collections.abc import Mapping

# Proxies that append the caller's address to X-Forwarded-For in front of the app: 0 means the
# connection's own address is the caller's. On a Space, 1 (docs/security.md says why).
TRUSTED_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "1" if os.environ.get("SPACE_ID") else "0"))
UNIDENTIFIED = "unidentified"  # one shared budget for requests that name no address


def visitor(client_host: str | None, forwarded: str, hops: int = TRUSTED_HOPS) -> str:
    """Who is asking: the address the `hops`-th trusted proxy saw, counted from the right of
    X-Forwarded-For (`forwarded`, all such headers joined; what the caller wrote itself stands to
    the left), else the connection's own address. Only an IP address is an id; an IPv6 caller is
    its /64 network (one line holds billions of addresses)."""
    entries = [entry.strip() for entry in forwarded.split(",")] if forwarded else []
    named = entries[-hops] if 0 < hops <= len(entries) else client_host
    try:
        address = ipaddress.ip_address(named or "")
    except ValueError:
        return UNIDENTIFIED
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def scope_visitor(scope: Mapping) -> str:
    """`visitor` of an ASGI request."""
    forwarded = ", ".join(
        v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"x-forwarded-for"
    )
    return visitor((scope.get("client") or (None,))[0], forwarded)


def request_visitor(request) -> str:
    """`visitor` of a gr.Request (or a Starlette request)."""
    headers = request.headers
    forwarded = (
        ", ".join(headers.getlist("x-forwarded-for"))
        if hasattr(headers, "getlist")
        else headers.get("x-forwarded-for", "")
    )
    return visitor(request.client.host if request.client else None, forwarded)


class RateLimit:
    """At most `amount` per visitor in any `seconds`-long window (calls, or bytes with `cost`)."""

    def __init__(self, amount: int, seconds: float, max_visitors: int = 100_000):
        self.amount, self.seconds, self.max_visitors = amount, seconds, max_visitors
        self.spent: dict[str, deque[tuple[float, int]]] = {}
        self.lock = threading.Lock()

    def allow(self, key: str, cost: int = 1) -> bool:
        now = time.monotonic()
        with self.lock:
            if len(self.spent) >= self.max_visitors:  # memory stays bounded under a swarm
                recent = [
                    (k, q) for k, q in self.spent.items() if q and q[-1][0] > now - self.seconds
                ]
                self.spent = dict(recent[-self.max_visitors // 2 :])  # the newest half at most
            spent = self.spent.setdefault(key, deque())
            while spent and spent[0][0] <= now - self.seconds:
                spent.popleft()
            if sum(c for _, c in spent) + cost > self.amount:
                return False
            spent.append((now, cost))
            return True
