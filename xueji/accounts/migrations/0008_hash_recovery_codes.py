"""Recovery codes stored hashed: each plain-text StaticToken (django-otp keeps the code itself) becomes the code's
HMAC-SM3 digest, as accounts.second_factor.recovery_digest computes it (frozen here). A stored digest has 16
characters, a code issued before 10: only those are hashed, so the migration may run again. Not reversible (the
codes are not kept)."""

from django.conf import settings
from django.db import migrations


def _digest(code: str) -> str:
    from xueji.core import crypto

    key = crypto.sm3(b"xueji.accounts.recovery-codes:" + settings.SECRET_KEY.encode())
    return crypto.hmac_sm3(key, code.strip().lower().encode()).hex()[:16]


def hash_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.exclude(token__regex=r"^[0-9a-f]{16}$").iterator():
        token.token = _digest(token.token)
        token.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_security_keys_ukeys"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
