"""The scene of the transfers tests: the test world (安徽 > 黄山市 > 屯溪区, 歙县; 合肥市 > 瑶海区;
江苏 > 南京 > 玄武区), the transfer windows open, and a second primary school in 屯溪区 (`tunxi_second`, in the
county of tunxi_primary) with its registrar and leader. Every primary school of the world has a class of the
pupil's grade (grade 2)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.accounts.models import RoleAssignment, User
from xueji.core import clock
from xueji.policy.models import BusinessWindow
from xueji.regions.models import OrgKind
from xueji.regions.services import org_unit_create
from xueji.schools.models import School, SchoolClass
from xueji.schools.selectors import current_school_year_start

PASSWORD = "Xueji@2026test"


def open_transfer_windows(provinces=("340000", "320000"), *, days: int = 400,
                          kinds=("transfers.transfer", "changes.status")) -> None:
    today = clock.today()
    for province in provinces:
        for kind in kinds:
            BusinessWindow.objects.get_or_create(province_code=province, kind=kind,
                                                 start_date=today - dt.timedelta(days=days),
                                                 end_date=today + dt.timedelta(days=days))


def add_school(world, name: str, county: str, code: str, *, running_type: str = "211", stages: str = "1",
               classes: tuple[tuple[str, int, int], ...] | None = None) -> School:
    """A school of `county` with its registrar and leader, and classes (stage, cohort year, number): by default
    two classes of the world pupil's grade."""
    start = current_school_year_start()
    unit = org_unit_create(actor=None, kind=OrgKind.SCHOOL, name=name, code=code, parent=world.units[county],
                           audit=False)
    school = School.objects.create(org_unit=unit, code=code, name=name, county=world.units[county],
                                   running_type=running_type, stages=stages)
    for stage, cohort, number in classes if classes is not None else (("1", start - 1, 1), ("1", start - 1, 2)):
        klass = SchoolClass.objects.create(school=school, stage=stage, cohort_year=cohort, number=number)
        world.classes.setdefault(name, klass)
        world.classes[f"{name}_{number}"] = klass
    world.units[name], world.schools[name] = unit, school
    for role in ("registrar", "leader"):
        user = User(username=f"{name}_{role}", full_name=f"{name} {role}", org_unit=unit,
                    password_changed_at=clock.now())
        user.set_password(PASSWORD)
        user.save()
        RoleAssignment.objects.create(user=user, role=role)
        world.users[(name, role)] = user
    return school


@pytest.fixture
def scene(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    open_transfer_windows()
    add_school(world, "tunxi_second", "tunxi", "3410021009")
    return world


def certificate(name: str = "转学证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 stamped transfer certificate", content_type="application/pdf")


def png(name: str = "proof.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\nrest of it", content_type="image/png")
