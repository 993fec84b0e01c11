"""Operators' SM2 keys and the signatures they made (the seed's CA / e-seal: 谁批准、谁负责).

Each operator has one key pair: the public key here in the clear; the private key held by the software key,
sealed (SM4-CBC + HMAC-SM3) with a key from settings (XUEJI_SIGNING_SEAL_KEY). The software key is the demo's
and the tests' stand-in for a UKey: with a real UKey the private key never reaches the server, the browser or
the client signs the same digest, and only the public key (from the operator's certificate) is stored."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SigningKey(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signing_key")
    public_key = models.CharField(_("public key"), max_length=130)
    # The software key's sealed private key (hex: iv || ciphertext || tag); empty for a UKey's public key.
    sealed_private_key = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("signing key")

    def __str__(self) -> str:
        return f"{self.user_id} {self.public_key[:18]}"


class Signature(models.Model):
    """An SM2 signature over the SM3 digest of a canonical form of what was decided (`subject`: "workflow.action",
    "schoolyear.graduationbatch"; `object_id`: its row)."""

    subject = models.CharField(max_length=64)
    object_id = models.BigIntegerField()
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    public_key = models.CharField(max_length=130)  # the signer's key at the time
    digest = models.CharField(max_length=64)  # SM3 of the canonical form, hex
    signature = models.CharField(max_length=128)  # r || s, hex
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subject", "object_id"], name="one_signature_per_object")]

    def __str__(self) -> str:
        return f"{self.subject}:{self.object_id} by {self.signer_id}"
