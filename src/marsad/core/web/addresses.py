"""Whether a link points inside the network Marsad runs in.

A link pasted into the web app is fetched by the server, so without this check
anyone with an upload role could make it read the office router, a database
admin page or a cloud metadata service (server-side request forgery)."""

from __future__ import annotations

import ipaddress
import socket


def internal_addresses(hostname: str) -> list[str]:
    """The addresses of `hostname` that are loopback, private, link-local or reserved.
    A name that does not resolve has none (its fetch fails on its own); callers check
    again just before fetching, as the name may resolve elsewhere by then."""
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    found = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            found.append(str(address))
    return found
