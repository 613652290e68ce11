"""Downloading one remote @context document: redirects, size limit, and no private
addresses unless allowed (a broker must not become a way into its own network).

The address checked is the address connected to: a host name is resolved once, its
addresses checked, and the request sent to that address (with the name in ``Host`` and
in TLS SNI), so a name that resolves differently the second time (DNS rebinding) cannot
lead the broker to a private address after the check."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from isanhub import netguard

_ACCEPT = {"Accept": "application/ld+json, application/json"}


class FetchError(Exception):
    """A remote document could not be fetched (the message says why)."""


async def download(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    max_redirects: int,
    allow_private: bool,
) -> bytes:
    """The body of ``url`` (status 200), following at most ``max_redirects`` redirects."""
    current = url
    for _ in range(max_redirects + 1):
        pinned = await check_address(current, allow_private)
        target, headers, extensions = _pinned(current, pinned)
        async with client.stream("GET", target, headers=headers, extensions=extensions) as resp:
            if resp.is_redirect:
                current = str(httpx.URL(current).join(resp.headers["location"]))
                continue
            if resp.status_code != 200:
                raise FetchError(f"HTTP status {resp.status_code}")
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"larger than {max_bytes} bytes")
            body = bytearray()
            async for chunk in resp.aiter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"larger than {max_bytes} bytes")
            return bytes(body)
    raise FetchError(f"more than {max_redirects} redirects")


def _pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict[str, str]]:
    """(URL to request, headers, extensions) sending the request for ``url`` to the
    checked ``address`` (None: to the URL's own host)."""
    if address is None:
        return url, _ACCEPT, {}
    u = httpx.URL(url)
    extensions = {"sni_hostname": u.host} if u.scheme == "https" else {}
    headers = {**_ACCEPT, "Host": u.netloc.decode("ascii")}
    return str(u.copy_with(host=address)), headers, extensions


async def check_address(url: str, allow_private: bool) -> str | None:
    """FetchError unless ``url`` is http(s) and (unless allowed) resolves to public
    addresses (isanhub.netguard); the checked address to connect to when the host is a
    name."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("only http(s) URLs can be fetched")
    port = parts.port  # ValueError unless absent or 0-65535
    if allow_private:
        return None
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        address = await netguard.public_address(parts.hostname, port)
    except netguard.RefusedAddress as exc:
        raise FetchError(f"refusing to fetch from {exc}") from None
    return None if netguard.parse_ip(parts.hostname) is not None else address
