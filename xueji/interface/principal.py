"""Who calls the interface: a registered client, as the API's one permission and the selectors see it.

It holds the interface's capability only (accounts.permissions.CLIENT_CAPABILITIES) and the jurisdiction of its
scope: `within()` restricts what it reads exactly as for a user of the scope's authority. It is no user: it signs
in with nothing but its credentials, has no password to expire and no second factor to prove."""

from xueji.interface.models import ApiClient


class ClientPrincipal:
    is_api_client = True
    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None
    id = None

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.org_unit = client.scope
        self.role_set = frozenset()

    def get_username(self) -> str:
        return f"client:{self.client.client_id}"

    def password_expired(self, max_age_days: int) -> bool:
        return False

    def __str__(self) -> str:
        return self.get_username()
