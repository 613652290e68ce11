"""Which network addresses the broker may reach on a client's say-so.

A client names URLs the broker then connects to: remote @contexts
(core.context_fetch) and notification endpoints (notify.http, notify.mqtt). Unless the
operator allows it, none of them may lead into the broker's own network: private,
loopback, link-local, multicast, unspecified or otherwise non-public addresses, in IPv4
and IPv6, including IPv4 addresses written inside IPv6 ones (``::ffff:127.0.0.1``,
6to4, NAT64).

A check of the name alone is not enough: a name can resolve to a public address when
checked and to a private one when connected to (DNS rebinding). So the callers check
the address they actually connect to: context_fetch and notify.mqtt connect to the
address checked here; notify.http checks every socket it opens (``socket_factory``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: the well-known NAT64 prefix (RFC 6052): its last 32 bits are an IPv4 address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: seconds a subscription's create or update waits for its endpoint's name to resolve;
#: a name that does not resolve in time is let through (the connect-time check stays)
RESOLVE_TIMEOUT = 2.0
ALLOW_SETTING = "ISANHUB_ALLOW_PRIVATE_ENDPOINTS"


class RefusedAddress(OSError):
    """A connection to a non-public address that is not allowed (an OSError, so that
    socket code and aiohttp report it as the connection failure it is)."""


def embedded_ipv4(addr: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, NAT64), else itself."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return addr.ipv4_mapped
        if addr.sixtofour is not None:
            return addr.sixtofour
        if addr in _NAT64:
            return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return addr


def is_public(addr: IPAddress) -> bool:
    """Whether ``addr`` is a public unicast address (``is_global`` leaves out private,
    loopback, link-local, unspecified, reserved and shared ranges; multicast can be
    global, and is refused all the same)."""
    inner = embedded_ipv4(addr)
    return all(a.is_global and not a.is_multicast for a in (addr, inner))


def parse_ip(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one (brackets and IPv6 zone ids dropped)."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def check_ip(addr: IPAddress | str, host: str | None = None) -> None:
    """RefusedAddress unless ``addr`` is public (``host``: the name that led to it)."""
    ip = parse_ip(addr) if isinstance(addr, str) else addr
    if ip is None or not is_public(ip):
        of = f" ({host})" if host and parse_ip(host) is None else ""
        raise RefusedAddress(f"non-public address {addr}{of}")


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (OSError when it does not)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[IPAddress] = []
    for info in infos:
        ip = parse_ip(str(info[4][0]))
        if ip is not None and ip not in out:
            out.append(ip)
    return out


async def public_address(host: str, port: int) -> str:
    """The address to connect to for ``host``: the host itself when it is a public IP
    address, else the first address it resolves to, once every one of them has been
    checked. RefusedAddress for a non-public one, OSError when the name cannot be
    resolved."""
    literal = parse_ip(host)
    if literal is not None:
        check_ip(literal)
        return str(literal)
    addrs = await resolve(host, port)
    if not addrs:
        raise OSError(f"{host} resolves to no address")
    for addr in addrs:
        check_ip(addr, host)
    return str(addrs[0])


async def endpoint_refusal(uri: str) -> str | None:
    """Why a notification endpoint may not be used (None: it may), judged when a
    subscription is created or updated: its host is a non-public IP address, or a name
    that resolves only to such addresses. A name that resolves to nothing (yet), or not
    within RESOLVE_TIMEOUT, is let through: the connect-time checks judge it then."""
    try:
        parts = urlsplit(uri)
        host, port = parts.hostname, parts.port or 0
    except ValueError:
        return None  # malformed: the member's own check says so
    if not host:
        return None
    literal = parse_ip(host)
    if literal is not None:
        return None if is_public(literal) else f"{host} is a non-public address"
    try:
        addrs = await asyncio.wait_for(resolve(host, port), RESOLVE_TIMEOUT)
    except (OSError, TimeoutError, UnicodeError):
        return None
    if addrs and not any(is_public(a) for a in addrs):
        shown = ", ".join(str(a) for a in addrs[:4])
        return f"{host} resolves only to non-public addresses ({shown})"
    return None


def refused_text(exc: RefusedAddress) -> str:
    """The reason a notification was refused, as its subscription shows it."""
    return f"refused to connect to {exc}; {ALLOW_SETTING}=true allows private endpoints"


def public_socket(addr_info: tuple[Any, ...]) -> socket.socket:
    """A socket for one address aiohttp is about to connect to (its ``socket_factory``),
    once that address is known to be public: whatever the name resolved to, and
    whether or not a resolver ran at all (IP addresses in URLs skip it)."""
    family, kind, proto, _canonname, sockaddr = addr_info
    check_ip(str(sockaddr[0]))
    return socket.socket(family=family, type=kind, proto=proto)
