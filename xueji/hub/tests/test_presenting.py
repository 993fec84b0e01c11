"""The API masks subjects with the hub's own rule (its layer is below the registry's presenter); it must answer what
the registry's presenter answers, for every reader."""

import pytest

from xueji.hub.presenting import shown
from xueji.registry.presenters import presenter_for

pytestmark = pytest.mark.django_db

SUBJECTS = ["G341002201703010019", "G34100220170301001X", "J341002201703010013", "L34100220170301001",
            "transfer-12", "", "ValueError: 341002201703010019 not found"]


@pytest.mark.parametrize("who", [("anhui", "sysadmin"), ("anhui", "registrar"), ("tunxi_primary", "leader")])
def test_the_hubs_masking_is_the_registrys(world, who):
    user = world.user(*who)
    presenter = presenter_for(user)
    for subject in SUBJECTS:
        assert shown(user, subject) == presenter.text(subject), subject
        if subject.startswith(("G", "J", "L")):
            assert shown(user, subject) == presenter.national_number(subject), subject
    assert shown(None, SUBJECTS[0]) == "G3410**********0019"
