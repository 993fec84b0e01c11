"""Record maintenance and status changes in the demo: a few requests in flight at the demo primary school
(`school_*`, 屯溪区实验小学), so every step can be tried with the demo accounts.

- a phone number changed at once (not controlled), and a name correction with its household-register proof
  waiting for `school_leader` (controlled: identity);
- a suspension (休学) approved by `school_leader`, waiting for `tunxi_registrar`;
- a repeat (留级) into a class of the next lower grade, waiting for `school_leader`;
- a dropout (辍学) approved: the pupil is on 屯溪区's dropout list (控辍保学) until restored;
- a pupil studying abroad (出境学习, 保留学籍) approved, with the day the record is kept until.

Every change goes through the changes services and the approval engine, like a user's."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.accounts.models import User
from xueji.changes import selectors, services
from xueji.changes.choices import KINDS
from xueji.core import clock
from xueji.policy.models import BusinessWindow
from xueji.regions.models import OrgKind
from xueji.registry.models import RegStatus, Student, StudentStatus
from xueji.schools.selectors import current_school_year_start
from xueji.workflow.services import request_decide

# A one-page PDF: enough for the proof rules (checked by content) and for a browser to open.
PROOF_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
             b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _proof(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PROOF_PDF, content_type="application/pdf")


def _windows(province: str) -> None:
    """The business windows of record and status changes open for the school year (when the demo generator's
    windows do not hold them already)."""
    start = current_school_year_start()
    for kind in ("changes.record", "changes.status"):
        if not BusinessWindow.objects.filter(province_code=province, kind=kind).exists():
            BusinessWindow.objects.create(province_code=province, kind=kind, start_date=dt.date(start, 9, 1),
                                          end_date=dt.date(start + 1, 8, 31), note="演示")


def demo_changes_data(*, prefix: str = "school") -> dict:
    """File the demo's changes at the demo school of `prefix`; returns what was filed (nothing without it)."""
    registrar = User.objects.filter(username=f"{prefix}_registrar").select_related("org_unit").first()
    leader = User.objects.filter(username=f"{prefix}_leader").first()
    if registrar is None or leader is None or not registrar.org_unit.is_school:
        return {}
    county_unit = registrar.org_unit.ancestor_of_kind(OrgKind.COUNTY)
    county = User.objects.filter(org_unit=county_unit, role_assignments__role="registrar").first()
    _windows(registrar.org_unit.code[:2] + "0000")
    pupils = list(Student.objects.filter(school__org_unit=registrar.org_unit, reg_status=RegStatus.REGISTERED,
                                         status=StudentStatus.ENROLLED, school_class__isnull=False)
                  .select_related("school__org_unit", "school_class").order_by("school_class__cohort_year", "pk"))
    if len(pupils) < 6:
        return {}
    done: dict[str, int] = {}
    first, second, third, fourth, fifth = pupils[-1], pupils[-2], pupils[-3], pupils[0], pupils[1]
    edit = services.record_edit(actor=registrar, student=first, values={
        "phone": "13905591234", "name": first.name[:-1] + "晓"}, reason="户口簿上的名字与学籍不一致",
        proofs=[_proof("户口簿.pdf")])
    done["record_change"] = edit.request.pk
    suspension = services.status_change_file(actor=registrar, student=second, kind="suspend", reason="10",
                                             note="住院治疗", proofs=[_proof("诊断证明.pdf")])
    request_decide(actor=leader, request=suspension, approve=True, comment="同意")
    done["suspension"] = suspension.pk
    for student in [third, *pupils[2:-3]]:  # a pupil with a class of the next lower grade in the school
        lower = selectors.target_classes(student=student, kind=KINDS["repeat"]).first()
        if lower is not None:
            done["repeat"] = services.status_change_file(actor=registrar, student=student, kind="repeat",
                                                         reason="22", school_class=lower,
                                                         proofs=[_proof("家长申请.pdf")]).pk
            break
    for student, kind, reason, proofs in ((fourth, "dropout", "27", []),
                                          (fifth, "abroad", "30", [_proof("签证.pdf")])):
        request = services.status_change_file(actor=registrar, student=student, kind=kind, reason=reason,
                                              effective_date=clock.today() - dt.timedelta(days=20), proofs=proofs)
        request_decide(actor=leader, request=request, approve=True)
        if county is not None:
            request_decide(actor=county, request=request, approve=True)
        done[kind] = request.pk
    return done
