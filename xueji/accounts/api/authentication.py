from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """Token auth for systems ("Authorization: Token <key>"); inactive accounts are refused by DRF."""

    keyword = "Token"
