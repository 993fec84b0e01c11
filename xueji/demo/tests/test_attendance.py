"""考勤与控辍保学 in the demo: a case raised by three days' absences with a home visit, left-behind entries, a signed
monthly report and a misuse report routed to the county."""

from xueji.attendance.models import Absence, DropoutCase, MisuseReport, MonthlyReport
from xueji.demo import generator as demo
from xueji.demo.attendance import demo_attendance_data

TINY = demo.DemoOptions(counties=2, schools=6, pupils=200, seed=7, batch_size=200)


def test_the_demo_has_a_case_a_register_and_a_signed_report(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo.generate(TINY)
    assert demo_attendance_data()
    assert Absence.objects.count() == 5
    case = DropoutCase.objects.get()
    assert case.status == "open" and case.follow_ups.count() == 1
    assert MonthlyReport.objects.get().status == "signed"
    assert MisuseReport.objects.get().handler_unit.name.startswith("屯溪区")
    assert demo_attendance_data() == []  # once
