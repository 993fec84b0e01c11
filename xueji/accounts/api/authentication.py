import datetime as dt

from django.conf import settings
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from xueji.core import clock


class ExpiringTokenAuthentication(TokenAuthentication):
    """Token auth for systems ("Authorization: Token <key>"). A token lives XUEJI_TOKEN_TTL_HOURS from its
    issue (each successful POST /api/v1/auth/token/ issues a fresh one); inactive accounts are refused."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        ttl = dt.timedelta(hours=settings.XUEJI_TOKEN_TTL_HOURS)
        if token.created + ttl < clock.now():
            raise AuthenticationFailed("The token has expired; request a new one at /api/v1/auth/token/.")
        return user, token
