"""Security labels (control 10) in 控辍保学: a labelled pupil's dropout case and absences name it to cleared users
only (the county's registrar); the city's registrar (no clearance) reads them in no list or page, while its case
totals per county, numbers only, still count the case."""

import pytest
from django.urls import reverse

from xueji.attendance import selectors
from xueji.attendance.models import Absence, DropoutCase
from xueji.core import clock
from xueji.core.errors import NotFound
from xueji.registry.services import student_set_label


@pytest.fixture
def case(world):
    student = world.students["tunxi_primary"]
    today = clock.today()
    Absence.objects.create(student=student, school=student.school, school_class=student.school_class,
                           province_code="340000", date=today, school_day=1, recorded_by=world.user("tunxi_primary",
                                                                                                     "registrar"),
                           recorded_at=clock.now())
    made = DropoutCase.objects.create(student=student, school=student.school, county=world.units["tunxi"],
                                      province_code="340000", reason="consecutive", days=5, opened_on=today)
    student_set_label(actor=world.user("tunxi_primary", "registrar"), student=student, label="special",
                      reason="困境儿童")
    return made


@pytest.mark.parametrize(("who", "named"), [(("tunxi", "registrar"), True), (("huangshan", "registrar"), False)])
def test_a_labelled_pupils_case_and_absences_name_it_to_the_cleared_only(world, login, case, who, named):
    user = world.user(*who)
    name = world.students["tunxi_primary"].name

    page = login(user).get(reverse("attendance:case_list"))

    assert page.status_code == 200 and (name in page.content.decode()) is named
    assert (case.pk in set(selectors.case_list(user=user).values_list("pk", flat=True))) is named
    assert selectors.absence_list(user=user).exists() is named
    if named:
        assert selectors.case_get(user=user, pk=case.pk) == case
    else:
        with pytest.raises(NotFound):
            selectors.case_get(user=user, pk=case.pk)
        # numbers only: the city's totals per county count the case
        assert [row["open"] for row in selectors.case_totals(user=user) if row["county_id"] == case.county_id] == [1]
