"""Refusing webhook targets inside the helpdesk's own network (SSRF).

A URL is checked when it is saved and again at every delivery, against every
address its host resolves to, and the delivery then connects to the very
address that was checked: a DNS answer that changes between the check and
the connection (rebinding) cannot steer it inside.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(Exception):
    pass


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def is_internal(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve(url: str, *, allow_internal: bool) -> Target:
    """The URL's host and the addresses to connect to, or ``UnsafeTarget``."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeTarget(_("Only http and https URLs with a host are allowed."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("Put credentials in the secret, not in the URL."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as bad:
        raise UnsafeTarget(_("The port is not valid.")) from bad
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as failed:
        raise UnsafeTarget(
            _("The host %(host)s could not be resolved.") % {"host": parts.hostname}
        ) from failed
    addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeTarget(_("The host has no address."))
    if not allow_internal:
        for text in addresses:
            if is_internal(ipaddress.ip_address(text.split("%", 1)[0])):
                raise UnsafeTarget(
                    _(
                        "%(host)s resolves to an internal address (%(address)s); "
                        "an administrator must allow internal addresses for this "
                        "webhook."
                    )
                    % {"host": parts.hostname, "address": text}
                )
    return Target(parts.scheme, parts.hostname, port, addresses)
