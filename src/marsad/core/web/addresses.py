"""Whether a link points inside the network Marsad runs in.

A link pasted into the web app is fetched by the server, so without this check
anyone with an upload role could make it read the office router, a database
admin page or a cloud metadata service (server-side request forgery)."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
from dataclasses import dataclass


def internal_addresses(hostname: str) -> list[str]:
    """The addresses of `hostname` that are loopback, private, link-local or reserved.
    A name that does not resolve has none (its fetch fails on its own); callers check
    again just before fetching, as the name may resolve elsewhere by then."""
    try:
        infos = socket.getaddrinfo(hostname, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return [sockaddr[0] for *_, sockaddr in infos if is_internal(sockaddr[0])]


def refused_addresses(hostname: str, allowed: Allowed) -> list[str]:
    """The internal addresses of `hostname` that `allowed` does not name."""
    return [a for a in internal_addresses(hostname) if not allowed.permits(hostname, a)]


def is_internal(address: str) -> bool:
    """Whether an IP address is loopback, private, link-local, reserved or multicast."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True)
class Allowed:
    """Internal hosts a fetch may reach all the same: named hosts, addresses or networks
    (an intranet site, a proxy), or every one (`everything`)."""

    names: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    everything: bool = False

    @classmethod
    def parse(cls, text: str, everything: bool = False) -> Allowed:
        """From a comma-separated list: `wiki.office.lan, 10.1.2.3, 192.168.0.0/16`."""
        names, networks = set(), []
        for entry in (e.strip().lower().rstrip(".") for e in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry)
        return cls(frozenset(names), tuple(networks), everything)

    def permits(self, hostname: str, address: str) -> bool:
        if self.everything or (hostname or "").lower().rstrip(".").strip("[]") in self.names:
            return True
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self.networks if net.version == ip.version)


_checked = threading.local()
_hooked = threading.Lock()


@contextlib.contextmanager
def connections_checked(allowed: Allowed):
    """Within it, any connection this thread opens (yt-dlp's, whatever library it uses) to an
    internal address that `allowed` does not cover fails with PermissionError. Named hosts
    are taken by the addresses they have now; the check is on the address connected to."""
    networks = list(allowed.networks)
    for name in allowed.names:
        try:
            infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            continue
        networks += [ipaddress.ip_network(s[0].split("%", 1)[0]) for *_, s in infos]
    with _hooked:
        if not getattr(connections_checked, "installed", False):
            sys.addaudithook(_audit)  # for the life of the process; idle outside this block
            connections_checked.installed = True
    before = getattr(_checked, "allowed", None)
    _checked.allowed = Allowed(frozenset(), tuple(networks), allowed.everything)
    try:
        yield
    finally:
        _checked.allowed = before


def _audit(event: str, args: tuple) -> None:
    if event != "socket.connect":
        return
    allowed = getattr(_checked, "allowed", None)
    sock, address = args
    if allowed is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0]
    # A name is resolved inside connect(): it is judged by what it resolves to now.
    candidates = [host] if _is_ip(host) else internal_addresses(host)
    refused = [a for a in candidates if is_internal(a) and not allowed.permits("", a)]
    if refused:
        raise PermissionError(f"{host} is at {refused[0]}, an address inside this network; "
                              "only public web sites are fetched")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True
