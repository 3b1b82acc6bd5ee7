"""Host names: which count as loopback (for the bind rule and the Host check)."""

from __future__ import annotations

import ipaddress

from ui.settings import ServerSettings

LOOPBACK_NAMES = frozenset({"localhost"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "[::]"})


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 (bracketed or not, IPv4-mapped too) and ``localhost``."""
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def host_name(header: str) -> str:
    """``Host`` without its port, lower-cased, brackets kept off IPv6 literals."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed_hosts(settings: ServerSettings) -> frozenset[str]:
    """Names answered besides loopback: ``NEWSRAG_ALLOWED_HOSTS`` and a concrete bind address."""
    names = {host_name(h) for h in settings.allowed_hosts.split(",") if h.strip()}
    if settings.host.strip().lower() not in WILDCARD_BINDS:
        names.add(host_name(settings.host))
    return frozenset(names)
