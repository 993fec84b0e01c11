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
