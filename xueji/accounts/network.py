"""Management consoles only from the administrators' networks (SECURITY.md control 16, GB/T 22239 8.1.4.4c,
T-NET-01).

A console is any page or API method whose declared capability (xueji/core/capabilities.py, the one declaration
the gate, the API's permission and the menu read) is held by the three administrators (三员: system, security and
audit administrators) only: account management, roles, security settings and lockouts, second factors, the audit
log, system configuration, operations and system status, the hub's boxes, platform accounts, the data interface's
clients. From a client address outside XUEJI_ADMIN_NETWORKS (a list of networks, CIDR) such a request is refused
with 403 before the view runs, and audited (`access.network_refused`). The address is the one the audit log keeps
(`core.middleware.client_ip`: X-Forwarded-For counts only as far as XUEJI_TRUSTED_PROXIES of our own proxies wrote
it, so a header a client or an untrusted hop set is ignored). Empty or unset: every address (development); the
deployment check warns of it. Business pages are never affected. Django's admin site is not mounted."""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from xueji.accounts.models import Role
from xueji.accounts.permissions import CAPABILITIES
from xueji.core.capabilities import Cap

ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECURITY, Role.AUDITOR})
# The capabilities of the consoles: those held by the three administrators and by no business role.
CONSOLE_CAPABILITIES = frozenset(cap for cap, roles in CAPABILITIES.items() if roles and roles <= ADMIN_ROLES)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _parse(value: str) -> tuple[Network, ...]:
    networks = []
    for item in value.split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError as error:
                raise ImproperlyConfigured(f"XUEJI_ADMIN_NETWORKS: {item.strip()!r} is no network ({error}).") \
                    from None
    return tuple(networks)


def admin_networks() -> tuple[Network, ...]:
    """The configured networks (empty: no restriction). A malformed entry raises ImproperlyConfigured."""
    value = getattr(settings, "XUEJI_ADMIN_NETWORKS", "") or ""
    if not isinstance(value, str):
        value = ",".join(value)
    return _parse(value)


def is_console(need) -> bool:
    return isinstance(need, Cap) and need in CONSOLE_CAPABILITIES


def address_allowed(address: str | None) -> bool:
    """Whether a client address may reach the consoles. No restriction configured: yes. A missing or malformed
    address, or a malformed setting: no (fail closed)."""
    try:
        networks = admin_networks()
    except ImproperlyConfigured:
        return False
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in networks)
