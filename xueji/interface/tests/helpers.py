"""Clients of the data interface for the tests: registered through the service, called with their credentials."""

from django.test import Client

from xueji.interface import services
from xueji.regions.models import OrgUnit

ALL_ITEMS = ["national_number", "name", "sex", "birth_date", "id_number", "school", "school_class", "address",
             "phone", "status"]


def register(world, *, scope: str = "tunxi", items=None, unmasked=(), rate_limit: int = 60, name: str = "教育资助系统"):
    """A client of 安徽's system administrator; returns (client, secret)."""
    return services.client_register(actor=world.user("anhui", "sysadmin"), name=name, scope=world.units[scope],
                                    items=list(items or ALL_ITEMS), unmasked=list(unmasked), rate_limit=rate_limit)


def caller(client, secret) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Client {client.client_id}:{secret}")


def unit(world, name: str) -> OrgUnit:
    return world.units[name]


def matrix_clients(world) -> None:
    """A client of each province (registered by its system administrator), for the jurisdiction matrix."""
    for province, scope in (("anhui", "tunxi"), ("jiangsu", "xuanwu")):
        services.client_register(actor=world.user(province, "sysadmin"), name=f"矩阵接口{province}",
                                 scope=world.units[scope], items=["name", "phone"], rate_limit=60)


def matrix_objects():
    """(owner, client) pairs: each province's own client."""
    from xueji.interface.models import ApiClient

    return [(c.owner, c) for c in ApiClient.objects.filter(name__startswith="矩阵接口").select_related("owner")
            .order_by("pk")]


def matrix_client_form(obj, user, seq) -> dict:
    """A valid client form of the acting administrator: its own province as the scope."""
    scope = user.org_unit.code if user is not None else "340000"
    return {"name": f"矩阵接口{seq}", "scope": scope, "items": ["name", "sex"], "rate_limit": "60"}
