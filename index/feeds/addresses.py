"""Which addresses the fetcher may reach (SSRF): never link-local or a cloud metadata service;
loopback, private, shared (CGNAT) and other non-public ranges only when listed in
``NEWSRAG_FETCH_ALLOW_HOSTS`` (host names or CIDRs: tests and local setups list ``127.0.0.1``).

Every address a host name resolves to is checked, at every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
# always refused, whatever is allowed: instance metadata services and link-local ranges
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)
SCHEMES = frozenset({"http", "https"})
RESOLVE_TIMEOUT_S = 10.0  # getaddrinfo has no timeout of its own: it runs on a small pool
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="newsrag-resolve")


class BlockedAddress(ValueError):
    """The URL may not be fetched: the message names the host, the address and the rule."""


def allowed_networks(
    hosts: str,
) -> tuple[frozenset[str], tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    """``NEWSRAG_FETCH_ALLOW_HOSTS`` parsed: lower-cased host names, and networks (CIDRs or
    single addresses)."""
    names: set[str] = set()
    networks = []
    for item in (h.strip().lower() for h in hosts.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            names.add(item.rstrip("."))
    return frozenset(names), tuple(networks)


def check_url(url: str, allow_hosts: str = "", resolve: bool = True) -> list[IP]:
    """The addresses ``url`` may be fetched at; BlockedAddress naming the rule otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise BlockedAddress(f"{url}: only http and https are fetched")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise BlockedAddress(f"{url}: no host")
    names, networks = allowed_networks(allow_hosts)
    addresses = _addresses(host, parts.port, resolve)
    for address in addresses:
        _check(url, host, address, host in names or any(address in n for n in networks))
    return addresses


def _addresses(host: str, port: int | None, resolve: bool) -> list[IP]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    if not resolve:
        return []
    lookup = _RESOLVER.submit(socket.getaddrinfo, host, port or 443, proto=socket.IPPROTO_TCP)
    try:
        infos = lookup.result(timeout=RESOLVE_TIMEOUT_S)
    except TimeoutError:
        raise BlockedAddress(
            f"{host}: does not resolve (no answer within {RESOLVE_TIMEOUT_S:.0f} s)"
        ) from None
    except OSError as exc:
        raise BlockedAddress(f"{host}: does not resolve ({exc.strerror or exc})") from None
    return list(dict.fromkeys(ipaddress.ip_address(str(i[4][0])) for i in infos))


def _check(url: str, host: str, address: IP, allowed: bool) -> None:
    host = f"{host} is" if host != str(address) else "it is"
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local:  # fec0::/10, deprecated, still routed inside some networks
            raise BlockedAddress(f"{url}: {host} {address}, a site-local address")
        embedded = address.ipv4_mapped or address.sixtofour  # ::ffff:a.b.c.d, 2002:ab:cd::
        if embedded is not None:
            _check(url, host, embedded, allowed)
            return
    if address in METADATA or address.is_link_local:
        raise BlockedAddress(f"{url}: {host} {address}, a link-local or metadata address")
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        raise BlockedAddress(f"{url}: {host} {address}, not a routable address")
    if not address.is_global and not allowed:
        raise BlockedAddress(
            f"{url}: {host} {address}, a loopback or private address; list it in "
            "NEWSRAG_FETCH_ALLOW_HOSTS to fetch it"
        )
