"""How a registered client of the data interface signs its calls: `Authorization: Client <client id>:<secret>`.

Separate from the users' tokens (xueji/accounts/api/authentication.py): a client is no user, has no password and
no roles; it answers as a `ClientPrincipal` holding the interface's capability only, within its scope."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from xueji.interface import selectors
from xueji.interface.principal import ClientPrincipal

KEYWORD = "Client"


def given_client_id(request) -> str:
    """The client id a call names in its Authorization header ("" when it names none)."""
    parts = get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != KEYWORD.lower().encode():
        return ""
    return parts[1].decode(errors="replace").partition(":")[0][:64]


class ClientAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Authorization: Client <client id>:<secret>", code="bad_client_credentials")
        try:
            client_id, _sep, secret = parts[1].decode().partition(":")
        except UnicodeDecodeError:
            client_id, secret = "", ""
        client = selectors.client_authenticate(client_id=client_id, secret=secret) if secret else None
        if client is None:
            raise AuthenticationFailed("The client credentials are wrong, expired or revoked.",
                                       code="bad_client_credentials")
        principal = ClientPrincipal(client)
        principal.response_key = secret.encode()  # what signs its answers (views.SIGNATURE_HEADER)
        return principal, client

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class ClientAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ClientAuthentication
    name = "clientAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Client <client id>:<secret>`: a client of the data interface (数据接口), registered "
                               "by the province's system administrator."}
