"""Security labels (control 10) in the changes app: the status changes that took effect (学籍异动记录) and the change
requests (变更与异动申请) of a pupil under special protection: the city's registrar (no clearance) reads the first in
no list and the second without the pupil's name (nor finds it by the name); the county's registrar reads both."""

import pytest
from django.urls import reverse

from xueji.changes.tests.helpers import approve_all, file_change, pupil
from xueji.registry.services import student_set_label


@pytest.mark.parametrize(("who", "named"), [(("tunxi", "registrar"), True), (("huangshan", "registrar"), False)])
def test_a_labelled_pupils_status_changes_and_requests_name_it_to_the_cleared_only(scene, login, who, named):
    world = scene
    done = approve_all(world, file_change(world, "tunxi_primary", "change_class", "99", proofs=[],
                                          school_class=world.classes["grade2b"]))
    assert done.status == "approved"
    student_set_label(actor=world.user("tunxi_primary", "registrar"), student=pupil(world), label="special",
                      reason="困境儿童")
    name = pupil(world).name
    client = login(world.user(*who))

    changes = client.get(reverse("changes:status_change_list"))
    requests = client.get(reverse("changes:request_list"))
    searched = client.get(reverse("changes:request_list"), {"q": name})

    assert (changes.status_code, requests.status_code) == (200, 200)
    assert (name in changes.content.decode()) is named
    assert (name in requests.content.decode()) is named
    assert changes.context["total"] == (1 if named else 0)
    assert requests.context["total"] == 1  # the request stays in view: its title names no pupil
    assert searched.context["total"] == (1 if named else 0)
    detail = client.get(reverse("workflow:request_detail", args=[done.pk]))
    assert detail.status_code == 200 and (name in detail.content.decode()) is named
    assert ('data-testid="pupil-withheld"' in detail.content.decode()) is not named
