"""The jurisdiction matrix's security objects (xueji/ui/tests/test_matrix.py): a filed password loan and an open
intrusion alert at two schools of two provinces."""

import datetime as dt

from xueji.accounts.models import Alert, Loan, SecurityKey, UKeyDevice
from xueji.core import clock


def matrix_security(world) -> None:
    now = clock.now()
    for school in ("tunxi_primary", "xuanwu_primary"):
        Loan.objects.create(lender=world.user(school, "registrar"), borrower=world.user(school, "leader"),
                            org_unit=world.units[school], starts_at=now - dt.timedelta(hours=1),
                            ends_at=now + dt.timedelta(days=1), reason="矩阵借用", filed_at=now)
        Alert.objects.create(kind="export_burst", org_unit=world.units[school],
                             subject_user=world.user(school, "registrar"), key=f"matrix:{school}",
                             window_start=now - dt.timedelta(hours=1), window_end=now, count=12,
                             evidence={"threshold": 10, "minutes": 60}, created_at=now)
        # A security key and a UKey of the school's leader: their owner's only (anyone else meets a 404).
        leader = world.user(school, "leader")
        SecurityKey.objects.create(user=leader, name="矩阵密钥", confirmed=True, credential_id=f"matrix-{school}",
                                   public_key=b"\xa5", sign_count=0, transports=["usb"])
        UKeyDevice.objects.create(user=leader, name="矩阵UKey", confirmed=True, public_key="04" + "1" * 128,
                                  provider="xueji.accounts.ukey.SM2Provider")


def matrix_objects(kind: str):
    if kind in ("security_key", "ukey"):
        model = SecurityKey if kind == "security_key" else UKeyDevice
        return [(key.user.org_unit, key) for key in model.objects.select_related("user__org_unit").order_by("pk")]
    if kind == "loan":
        return [(loan.org_unit, loan) for loan in Loan.objects.select_related("org_unit").order_by("pk")]
    return [(alert.org_unit, alert) for alert in Alert.objects.select_related("org_unit").order_by("pk")]
