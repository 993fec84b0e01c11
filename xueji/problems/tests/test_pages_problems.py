"""Identity verification, problem records and national numbers through the web: a verification run flags the
planted errors, the school corrects (errors shown on the form), the county approves in its inbox, the pupil
gets G in place of L and the old number stays findable; duplicates confirmed with proof go to arbitration by
the common superior; foreign problems and numbers answer 404."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.jobs.models import Job
from xueji.jobs.services import job_run
from xueji.problems.choices import MemberState, ProblemKind, ProblemStatus, Resolution
from xueji.problems.models import Problem
from xueji.registry.models import NationalNumber, Student, VerifyStatus
from xueji.registry.numbers import issue_temporary
from xueji.registry.presenters import mask_national_number
from xueji.verification.models import VerificationBatch
from xueji.verification.tests.helpers import register_students
from xueji.workflow.models import Request, RequestStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 household register page"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _run_latest_job():
    job = job_run(Job.objects.order_by("-pk").first().pk)
    assert job.status == "succeeded", job.error
    return job


def _field_errors(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", e).strip() for e in re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</',
                                                                  html, re.S)]


def test_verification_flags_the_planted_errors_and_the_school_resolves_them(world, login):
    students = {name: Student.objects.get(pk=s.pk) for name, s in world.students.items()}
    issue_temporary(students=list(Student.objects.select_related("school__county")),
                    actor=world.user("anhui", "registrar"))
    pupil = Student.objects.get(pk=students["tunxi_primary"].pk)
    old_number = pupil.national_number
    assert old_number.startswith("L")
    # The planted error: the register knows this pupil under another name.
    register_students(students.values(), rename={pupil.pk: "张小明"})

    # 1. The province registrar runs the verification from the web.
    province = login(world.user("anhui", "registrar"))
    page = province.get(reverse("verification:list")).content.decode()
    assert 'data-testid="verify-run"' in page and 'data-testid="register-load"' in page
    response = province.post(reverse("verification:run"), {"org_unit": world.units["anhui"].pk})
    job = Job.objects.get(kind="registration.verify")
    assert response["Location"] == reverse("jobs:job_detail", args=[job.pk])
    _run_latest_job()
    batch = VerificationBatch.objects.get()
    page = province.get(reverse("verification:detail", args=[batch.pk])).content.decode()
    assert 'data-testid="verify-results"' in page and "姓名与身份证件号不一致" in page
    problem = Problem.objects.get(kind=ProblemKind.ID_ERROR)
    verified = Student.objects.get(pk=students["tunxi_middle"].pk)
    assert verified.national_number == "G" + verified.id_number

    # 2. The school sees the problem on its workbench and in its list.
    client = login(world.user("tunxi_primary", "registrar"))
    assert 'data-count="problem_list">1<' in client.get(reverse("ui:workbench")).content.decode()
    listing = client.get(reverse("problems:problem_list")).content.decode()
    assert reverse("problems:problem_detail", args=[problem.pk]) in listing and "身份核查" in listing
    detail = client.get(reverse("problems:problem_detail", args=[problem.pk])).content.decode()
    # The registrar sees the ID masked, as everywhere (control 29: in full only through the unmask action).
    assert 'data-testid="problem-actions"' in detail and pupil.id_number not in detail
    assert pupil.id_number[:4] + "**********" + pupil.id_number[-4:] in detail
    assert "姓名与身份证件号不一致" in detail

    # 3. A correction with a wrong check digit is refused on its field; a name correction is filed.
    bad = pupil.id_number[:-1] + ("0" if pupil.id_number[-1] != "0" else "1")
    url = reverse("problems:problem_correct", args=[problem.pk])
    member = problem.members.get()
    form = {"member": member.pk, "name": pupil.name, "sex": pupil.sex, "birth_date": pupil.birth_date.isoformat(),
            "id_type": "1", "id_number": bad, "reason": "核对户口簿"}
    html = client.post(url, form).content.decode()
    assert "身份证件号校验位错误。" in _field_errors(html)
    unchanged = client.post(url, {**form, "id_number": pupil.id_number}).content.decode()
    assert "更正内容与原数据相同。" in unchanged
    response = client.post(url, {**form, "id_number": "", "name": "张小明"})  # the ID left empty: kept
    assert response["Location"] == reverse("problems:problem_detail", args=[problem.pk])
    request = Request.objects.get(type="problem.correct")
    page = client.get(response["Location"]).content.decode()
    assert "待审核" in page and 'data-testid="problem-actions"' not in page  # one request at a time

    # 4. The county approves in its inbox; the request shows what changes.
    county = login(world.user("tunxi", "registrar"))
    assert request.title in county.get(reverse("workflow:inbox")).content.decode()
    detail = county.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
    assert "张小明" in detail and reverse("problems:problem_detail", args=[problem.pk]) in detail
    county.post(reverse("workflow:request_decide", args=[request.pk]), {"decision": "approve"})
    request.refresh_from_db()
    problem.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, Resolution.CORRECTED)

    # 5. The pupil now holds G; the L number stays findable, and the pupil's page shows both.
    pupil.refresh_from_db()
    assert pupil.name == "张小明" and pupil.national_number == "G" + pupil.id_number
    page = client.get(reverse("registry:student_detail", args=[pupil.pk])).content.decode()
    g_shown = mask_national_number(pupil.national_number)  # a G number holds the ID: masked (control 29)
    assert f'data-number="{old_number}"' in page and f'data-number="{g_shown}"' in page
    assert "已停用" in page
    found = client.post(reverse("problems:number_lookup"), {"number": old_number.lower()})
    assert found.status_code == 200
    html = found.content.decode()
    assert 'data-testid="number-found"' in html and "已停用" in html and g_shown in html
    assert pupil.national_number not in html
    assert client.post(reverse("problems:number_lookup"), {"number": "L3410020000000000"}).status_code == 404
    foreign = NationalNumber.objects.filter(student__school__county__code="320102").first()
    response = client.post(reverse("problems:number_lookup"), {"number": foreign.number})
    assert response.status_code == 404 and "您管辖范围内没有学籍使用过这个学籍号。" in response.content.decode()


def test_duplicate_ids_across_counties_go_to_the_common_superior(world, login):
    a = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    b = Student.objects.get(pk=world.students["shexian_primary"].pk)
    Student.objects.filter(pk=b.pk).update(id_number=a.id_number)
    # The province registrar starts a duplicate scan from the problem list.
    province = login(world.user("anhui", "registrar"))
    assert 'data-testid="scan-form"' in province.get(reverse("problems:problem_list")).content.decode()
    province.post(reverse("problems:problem_scan"), {"kind": "duplicates", "org_unit": world.units["anhui"].pk})
    _run_latest_job()
    problem = Problem.objects.get(kind=ProblemKind.DUPLICATE_ID)
    summary = province.get(reverse("problems:problem_list")).content.decode()
    assert 'data-testid="county-summary"' in summary and "tunxi authority" in summary

    # Each county sees its own record in full, the other only as "outside your jurisdiction".
    tunxi = login(world.user("tunxi", "registrar"))
    page = tunxi.get(reverse("problems:problem_detail", args=[problem.pk])).content.decode()
    assert a.name in page and b.name not in page and "管辖范围外的学籍" in page

    # Both schools confirm with household-register proof; a PDF renamed .jpg is refused first.
    for school, student in (("tunxi_primary", a), ("shexian_primary", b)):
        client = login(world.user(school, "registrar"))
        member = problem.members.get(student=student)
        url = reverse("problems:problem_confirm", args=[problem.pk])
        html = client.post(url, {"member": member.pk, "file": SimpleUploadedFile("户口.jpg", PDF)}).content.decode()
        assert "文件内容与扩展名不符" in html
        response = client.post(url, {"member": member.pk, "file": SimpleUploadedFile("户口.pdf", PDF),
                                     "reason": "户口簿"})
        assert response.status_code == 302
    for county in ("tunxi", "shexian"):
        client = login(world.user(county, "registrar"))
        request = Request.objects.get(type="problem.confirm", filer_org__parent=world.units[county])
        html = client.get(reverse("workflow:request_detail", args=[request.pk])).content.decode()
        assert 'data-testid="proof"' in html
        client.post(reverse("workflow:request_decide", args=[request.pk]), {"decision": "approve"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.ARBITRATION

    # The common superior (the city) names the record that keeps the ID number.
    assert 'data-testid="arbitrate-form"' not in tunxi.get(
        reverse("problems:problem_detail", args=[problem.pk])).content.decode()
    city = login(world.user("huangshan", "registrar"))
    arbitration = problem.arbitration_request
    assert arbitration.title in city.get(reverse("workflow:inbox")).content.decode()
    detail = city.get(reverse("workflow:request_detail", args=[arbitration.pk])).content.decode()
    assert 'data-testid="approve"' not in detail and "打开问题学籍" in detail
    page = city.get(reverse("problems:problem_detail", args=[problem.pk])).content.decode()
    assert 'data-testid="arbitrate-form"' in page
    keep = problem.members.get(student=a)
    response = city.post(reverse("problems:problem_arbitrate", args=[problem.pk]),
                         {"keep_member": keep.pk, "comment": "户籍证明显示该号码属于屯溪区学生"})
    assert response["Location"] == reverse("problems:problem_detail", args=[problem.pk])
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, Resolution.ARBITRATED)
    assert problem.members.get(student=b).state == MemberState.LOST
    b.refresh_from_db()
    assert b.id_number is None and b.verify_status == VerifyStatus.UNVERIFIED


def test_foreign_problems_are_404(world, login):
    from xueji.verification.tests.helpers import matrix_scene

    matrix_scene(world)
    foreign = Problem.objects.filter(members__school_org=world.units["xuanwu_primary"]).get()
    client = login(world.user("anhui", "registrar"))
    assert client.get(reverse("problems:problem_detail", args=[foreign.pk])).status_code == 404
    for name in ("problems:problem_correct", "problems:problem_delete", "problems:problem_confirm",
                 "problems:problem_arbitrate"):
        assert client.post(reverse(name, args=[foreign.pk]), {}).status_code in (403, 404)


def test_the_problem_list_names_each_record_with_masked_id_class_and_school(world, login):
    from xueji.core.idnumbers import mask
    from xueji.problems.records import record_problems

    first = Student.objects.get(pk=world.students["tunxi_primary"].pk)
    other = Student.objects.get(pk=world.students["shexian_primary"].pk)
    Student.objects.filter(pk=other.pk).update(id_number=first.id_number)  # one ID, two counties
    record_problems(kind=ProblemKind.DUPLICATE_ID, province_code="340000", groups={first.id_number: [first.pk,
                                                                                                     other.pk]},
                    source="scan")
    html = login(world.user("tunxi_primary", "leader")).get(reverse("problems:problem_list")).content.decode()
    row = re.search(r'data-testid="problem-records">(.*?)</ul>', html, re.S).group(1)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", row))
    assert f"{first.name} {mask(first.id_number)} · {first.school_class} · {first.school.name}" in text
    assert f"{other.school.name} （非本辖区）" in text  # another county's record: its school only
    assert other.name not in text and first.id_number not in html
