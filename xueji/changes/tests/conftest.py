"""The scene of the changes tests: the test world, the business windows of record and status changes open, and
classes around the pupil's (grade 1, another class of grade 2, grade 3) in tunxi_primary."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import clock
from xueji.policy.models import BusinessWindow
from xueji.schools.models import SchoolClass
from xueji.schools.selectors import current_school_year_start

KINDS_OF_WINDOW = ("changes.record", "changes.status")


def open_change_windows(provinces=("340000", "320000")) -> None:
    today = clock.today()
    for province in provinces:
        for kind in KINDS_OF_WINDOW:
            BusinessWindow.objects.get_or_create(province_code=province, kind=kind,
                                                 start_date=today - dt.timedelta(days=30),
                                                 end_date=today + dt.timedelta(days=30))


@pytest.fixture
def scene(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    open_change_windows()
    school = world.schools["tunxi_primary"]
    start = current_school_year_start()
    world.classes["grade1"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start, number=1)
    world.classes["grade2b"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start - 1, number=2)
    world.classes["grade3"] = SchoolClass.objects.create(school=school, stage="1", cohort_year=start - 2, number=1)
    return world


def pdf(name: str = "proof.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 proof of the change", content_type="application/pdf")


def png(name: str = "proof.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nrest of it", content_type="image/png")


@pytest.fixture(autouse=True)
def _policy_until_merged(monkeypatch):
    """TEMPORARY, until the settings by level (branch i8/policy) are merged: the defaults of its selectors."""
    from xueji.policy import selectors

    if not hasattr(selectors, "controlled_items"):
        monkeypatch.setattr(selectors, "controlled_items", lambda *, school: dict.fromkeys(
            ("id_type", "id_number", "name", "sex", "birth_date", "ethnic")), raising=False)
    if not hasattr(selectors, "status_change_types_allowed"):
        from xueji.core import codes

        def allowed(*, province_code, stage):
            return {c for c in codes.STATUS_CHANGE_TYPE.codes if c not in ("21", "22")
                    and not (stage in ("1", "2") and c in ("31", "42"))}

        monkeypatch.setattr(selectors, "status_change_types_allowed", allowed, raising=False)
