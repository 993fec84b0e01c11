"""Control 29 (T-PI-02): what the pupil API returns to each role, against the checked-in expectation
(api_schema_by_role.json): the keys of a list row, of the detail and of a family member, and which of them come
masked. A field added to a serializer, or shown in full to another role, fails here until the file says so.
Regenerate deliberately: XUEJI_SNAPSHOT_WRITE=1 pytest this file, and review the diff."""

import json
import os
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).with_name("api_schema_by_role.json")
# (unit, role): every role of a school, and the county's admissions office (a school has none).
ROLES = (("tunxi_primary", "registrar"), ("tunxi_primary", "leader"), ("tunxi", "admissions"),
         ("tunxi_primary", "sysadmin"), ("tunxi_primary", "security"), ("tunxi_primary", "auditor"))


def _masked(shown: dict, full: dict) -> list[str]:
    return sorted(k for k, v in shown.items() if isinstance(v, str) and "*" in v and v != full.get(k))


def _schema(world, client, role):
    from xueji.registry.models import FamilyMember

    student = world.students["tunxi_primary"]
    listed = client.get("/api/v1/students/?page_size=5")
    detail = client.get(f"/api/v1/students/{student.pk}/")
    if detail.status_code != 200:
        return {"status": [listed.status_code, detail.status_code]}
    row, body = listed.json()["results"][0], detail.json()
    full = {"id_number": student.id_number, "national_number": student.national_number or "",
            "phone": student.phone, "address": student.address}
    member = FamilyMember.objects.filter(student=student).order_by("pk").first()
    family = body["family"][0] if body["family"] else {}
    return {"status": [listed.status_code, detail.status_code], "list": sorted(row), "detail": sorted(body),
            "family": sorted(family), "list_masked": _masked(row, full), "detail_masked": _masked(body, full),
            "family_masked": _masked(family, {"id_number": member.id_number, "phone": member.phone} if member else {})}


def test_the_pupil_api_returns_each_role_only_its_listed_fields(world, login):
    got = {f"{unit}/{role}": _schema(world, login(world.user(unit, role)), role) for unit, role in ROLES}
    if os.environ.get("XUEJI_SNAPSHOT_WRITE"):
        SNAPSHOT.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        pytest.skip("snapshot written")
    assert got == json.loads(SNAPSHOT.read_text())
