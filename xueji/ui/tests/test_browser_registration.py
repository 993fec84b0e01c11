"""A real browser (Debian's chromium, Playwright) through registration: the registrar's entry form shows the
validator's errors on their fields, drafts are submitted with their checkboxes, the leader approves from the
request page, the county approves in bulk from the inbox; the import batch and problem pages render.

Set XUEJI_SCREENSHOTS=<dir> to keep a full-page screenshot of each page (to look at the layout)."""

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import clock
from xueji.exchange.services import import_start
from xueji.exchange.tests.conftest import csv_bytes, pupil
from xueji.jobs.services import job_run
from xueji.problems.records import record_problems
from xueji.regions.models import Region
from xueji.registration.tests.test_flow import pupil_row
from xueji.registry.models import RegStatus, Student
from xueji.registry.services import student_enter
from xueji.registry.validation import validate_row
from xueji.testing import PASSWORD
from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture
from xueji.workflow.models import Request, RequestStatus

SHOTS = os.environ.get("XUEJI_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def pick_region(page, name: str, code: str) -> None:
    """Choose a region in a cascading select: its province, then its city, then the county (each level's options
    arrive from the API after the level above is chosen)."""
    region = Region.objects.select_related("parent__parent").get(code=code)
    chain = []
    while region is not None:
        chain.append(region.code)
        region = region.parent
    for level, value in enumerate(reversed(chain), start=1):
        select = page.locator(f"select[name={name}_{level}]")
        select.locator(f"option[value='{value}']").wait_for(state="attached")
        select.select_option(value)


def _sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=workbench]")


@pytest.mark.browser
def test_registration_in_the_browser(transactional_db, live_server, world, window, browser_page, settings,  # noqa: F811
                                     tmp_path):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    base = live_server.url
    registrar = world.user("tunxi_primary", "registrar")
    school, klass = world.schools["tunxi_primary"], world.classes["tunxi_primary"]
    for n in (1, 2, 3):
        clean, errors = validate_row(pupil_row(n), today=clock.today(), require_class=False)
        assert not errors
        student_enter(actor=registrar, school=school, school_class=klass, clean=clean)

    # The entry form: a wrong check digit and a missing name are shown on their fields, in Chinese.
    _sign_in(page, base, registrar.username)
    page.goto(f"{base}/registration/new/")
    row = pupil_row(4)
    page.select_option("select[name=school_class]", str(klass.pk))
    for key in ("birth_date", "address", "mailing_address", "family_address", "phone", "postcode", "guardian1.name",
                "guardian1.phone"):
        page.fill(f"[name='{key.replace('.', '__')}']", row[key])
    for key in ("birthplace", "native_place", "hukou_location"):  # province -> city -> county
        pick_region(page, key, row[key])
    page.fill("[name=id_number]", row["id_number"][:-1] + ("1" if row["id_number"][-1] != "1" else "2"))
    page.fill("[name=entry_date]", "2022-09")
    page.select_option("[name=hukou_nature]", "1")
    page.select_option("[name=guardian1__relation]", "51")
    page.click("[data-testid=pupil-form] button[type=submit]")
    expect(page.locator("[data-error-for=name]")).to_have_text("必填项不能为空")
    expect(page.locator("[data-error-for=id_number]")).to_contain_text("校验位错误")
    expect(page.locator("[name=name]")).to_be_focused()  # the first error (web/js/form-errors.js)
    _shot(page, "entry-form-errors")

    # The drafts: choose all with the header checkbox and submit.
    page.goto(f"{base}/registration/drafts/")
    page.check("input[data-select-all=student_ids]")
    expect(page.locator("[data-selected-count]").first).to_have_text("3")
    page.click("[data-testid=submit-selected]")
    expect(page.locator("[data-testid=request-status]")).to_contain_text("待审核")
    request = Request.objects.get()

    # The leader approves on the request page.
    _sign_in(page, base, "tunxi_primary_leader")
    expect(page.locator("[data-testid=inbox-badge]")).to_have_text("1")
    page.goto(f"{base}/inbox/")
    _shot(page, "inbox")
    page.click(f"a[href='/requests/{request.pk}/']")
    _shot(page, "request-detail")
    page.fill("textarea[name=comment]", "同意")
    page.click("[data-testid=approve]")
    page.wait_for_url(f"{base}/requests/{request.pk}/")

    # The county approves in bulk from its inbox (the browser asks to confirm).
    _sign_in(page, base, "tunxi_registrar")
    page.goto(f"{base}/inbox/")
    page.check(f"input[name=requests][value='{request.pk}']")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=bulk-approve]")
    expect(page.locator(".alert-success")).to_contain_text("已核办 1 件申请。")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert all(s.national_number.startswith("L") for s in Student.objects.filter(registration_request_id=request.pk))
    page.goto(f"{base}/requests/{request.pk}/")
    _shot(page, "request-approved")

    # An import batch page and a problem record page render for the school.
    upload = SimpleUploadedFile("三年级一班.csv", csv_bytes([pupil(7, class_name=klass.display_name),
                                                        pupil(8, class_name=klass.display_name, ethnic="火星族")]))
    batch = import_start(actor=registrar, school=school, upload=upload)
    job_run(batch.job_id)
    student = Student.objects.filter(registration_request_id=request.pk).first()
    record_problems(kind="id_error", province_code="340000", groups={f"s{student.pk}": [student.pk]},
                    details={f"s{student.pk}": {"reason": "name_mismatch"}}, source="verification")
    _sign_in(page, base, registrar.username)
    page.goto(f"{base}/imports/{batch.pk}/")
    expect(page.locator("[data-testid=import-progress]")).to_have_attribute("data-status", "succeeded")
    expect(page.locator("[data-testid=error-report]")).to_be_visible()
    _shot(page, "import-batch")
    page.goto(f"{base}/problems/")
    page.click("table a[href^='/problems/']")
    page.click("button[data-bs-target='#act-correct']")
    expect(page.locator("[data-testid=correct-form]")).to_be_visible()
    _shot(page, "problem-detail")
    page.goto(f"{base}/")
    _shot(page, "workbench-registrar")
    assert Student.objects.filter(reg_status=RegStatus.DRAFT).count() == 1


@pytest.mark.browser
def test_issue3_pages_render_without_browser_errors(transactional_db, live_server, world, window, browser_page,  # noqa: F811
                                                    settings, tmp_path):
    """Every page of registration, approval, policy, import, verification and problem records, in a browser:
    no JavaScript errors, and (with XUEJI_SCREENSHOTS) a screenshot to look at."""
    from xueji.verification.tests.helpers import matrix_scene

    settings.MEDIA_ROOT = tmp_path
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    registrar = world.user("tunxi_primary", "registrar")
    clean, _errors = validate_row(pupil_row(1), today=clock.today(), require_class=False)
    draft = student_enter(actor=registrar, school=world.schools["tunxi_primary"],
                          school_class=world.classes["tunxi_primary"], clean=clean)
    matrix_scene(world)
    student = world.students["tunxi_primary"]
    pages = {
        "tunxi_primary_registrar": ["/registration/drafts/", f"/registration/drafts/{draft.pk}/",
                                    "/registration/grade1/", "/registration/returning/", "/imports/",
                                    "/imports/new/", "/requests/", f"/students/{student.pk}/", "/numbers/",
                                    "/policy/windows/"],
        "tunxi_registrar": ["/problems/", "/verification/", "/policy/routes/"],
        "anhui_registrar": ["/", "/policy/windows/", "/policy/settings/", "/verification/", "/problems/"],
        "anhui_sysadmin": ["/policy/routes/edit/?type=registration.enrolled", "/policy/switches/",
                           "/policy/controlled-items/", "/policy/class-caps/"],
    }
    for username, urls in pages.items():
        _sign_in(page, base, username)
        for url in urls:
            response = page.goto(f"{base}{url}")
            assert response.status == 200, (username, url, response.status)
            name = f"{username}{url}".strip("/").replace("/", "_").replace("?", "_").replace("=", "-")
            _shot(page, name)
    assert not errors, errors
