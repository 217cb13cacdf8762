"""Who the client is when a reverse proxy sits in front (issue 17).

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are only believed when the connection comes
from an address listed in ``[security] trusted_proxies`` (default: none). Anyone else could
write any address into them and so dodge the per-address sign-in throttle or put a false
address into the audit log. uvicorn's own proxy-header handling is off (``aftersales serve``);
this module is the one place the headers are read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(listed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in listed)


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _header(scope: Mapping[str, object], name: bytes) -> str:
    values = [value.decode("latin-1") for key, value in scope.get("headers", ())  # type: ignore[attr-defined]
              if key.lower() == name]
    return ",".join(values)


def peer(scope: Mapping[str, object]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "-"  # type: ignore[index]


def client_address(scope: Mapping[str, object], trusted_proxies: Iterable[str]) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the nearest
    address in ``X-Forwarded-For`` that is not itself a trusted proxy."""
    address = peer(scope)
    networks = _networks(tuple(trusted_proxies))
    if not networks or not _trusted(address, networks):
        return address
    hops = [hop.strip() for hop in _header(scope, b"x-forwarded-for").split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a garbled header: keep the proxy's own address
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else address


def is_https(scope: Mapping[str, object], trusted_proxies: Iterable[str]) -> bool:
    """Served over HTTPS: directly, or through a trusted proxy that says so."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    networks = _networks(tuple(trusted_proxies))
    if not networks or not _trusted(peer(scope), networks):
        return False
    proto = _header(scope, b"x-forwarded-proto").split(",")[0].strip().lower()
    return proto == "https"
