"""The OpenAPI schema of the API (DEFAULT_SCHEMA_CLASS): drf-spectacular's, told what each view declares."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from xueji.core.capabilities import PUBLIC, declared_capability


class AutoSchema(SpectacularAutoSchema):
    """A method the view declares PUBLIC (xueji/core/capabilities.py) is open to anonymous callers (the token
    endpoint) whatever the permission class that checks it; the others need credentials."""

    def get_auth(self):
        auths = super().get_auth()
        if declared_capability(self.view, self.method) is PUBLIC and {} not in auths:
            auths.append({})
        return auths
