"""A real browser (Debian's chromium, Playwright) through the school year's turn: the school graduates its final
grade with one exception unticked, the province runs the promotion, the calendar shows where each school stands.
Set XUEJI_SCREENSHOTS=<dir> to keep a screenshot of each page."""

import os
from pathlib import Path

import pytest

from xueji.jobs.models import Job
from xueji.jobs.services import job_run
from xueji.registry.models import Student
from xueji.testing import PASSWORD
from xueji.ui.tests.test_browser import browser_page  # noqa: F401 - the fixture

SHOTS = os.environ.get("XUEJI_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _login(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=workbench]")


@pytest.mark.browser
def test_graduate_then_promote_in_the_browser(transactional_db, live_server, scene, browser_page,  # noqa: F811
                                              monkeypatch):
    from playwright.sync_api import expect

    from xueji.jobs import services as job_services

    monkeypatch.setattr(job_services, "_enqueue", lambda job_id: None)  # the job is run below, not by a worker
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    base = live_server.url
    one, two, kept = scene.graduating

    _login(page, base, "tunxi_primary_registrar")
    page.goto(f"{base}/schoolyear/graduation/")
    rows = page.locator("[data-testid=candidates] tr[data-student]")
    expect(rows).to_have_count(3)
    page.locator(f"tr[data-student='{kept.pk}'] input[type=checkbox]").uncheck()
    page.select_option(f"select[name=destination_{one.pk}]", "20")
    _shot(page, "schoolyear-graduation")
    page.click("[data-testid=graduate]")
    expect(page.locator("[data-testid=graduates] tr[data-graduate]")).to_have_count(2)
    _shot(page, "schoolyear-graduates")
    assert dict(Student.objects.filter(pk__in=[one.pk, two.pk, kept.pk]).values_list("pk", "status")) == {
        one.pk: "07", two.pk: "07", kept.pk: "01"}

    _login(page, base, "anhui_registrar")
    page.goto(f"{base}/schoolyear/promotion/")
    expect(page.locator(f"[data-testid=check] tr[data-school='{scene.schools['tunxi_primary'].pk}']")).to_contain_text(
        "1")
    _shot(page, "schoolyear-promotion-check")
    page.goto(f"{base}/schoolyear/promotion/dry-run/")
    expect(page.locator("[data-testid=dry-run-rows]")).to_be_visible()
    _shot(page, "schoolyear-dry-run")
    page.goto(f"{base}/schoolyear/promotion/")
    page.click("[data-testid=start]")
    job_run(Job.objects.filter(kind="schoolyear.promotion").latest("pk").pk)
    page.goto(f"{base}/schoolyear/promotion/")
    expect(page.locator("[data-testid=run-status]")).to_contain_text("已完成")
    _shot(page, "schoolyear-promotion-done")
    page.goto(f"{base}/schoolyear/calendar/")
    expect(page.locator("[data-testid=counties]")).to_be_visible()
    _shot(page, "schoolyear-calendar")
    page.goto(f"{base}/schoolyear/exam-results/")
    page.set_input_files("input[name=file]", files=[{"name": "r.csv", "mimeType": "text/csv",
                                                      "buffer": "学籍号,科目,成绩\nX,语文,合格\n".encode()}])
    page.click("[data-testid=results-form] button[type=submit]")
    expect(page.locator("[data-testid=row-errors]")).to_be_visible()
    _shot(page, "schoolyear-exam-results")
