from xueji.demo.registration import SURNAMES, preschool_records_make
from xueji.registration.models import PreschoolRecord


def test_preschool_records_have_ordinary_names(world):
    made = preschool_records_make(count=40)

    names = list(PreschoolRecord.objects.values_list("name", flat=True))
    assert made == 40 and len(names) == 40
    assert all(len(name) == 3 and name[0] in SURNAMES for name in names)
    assert len({name[0] for name in names}) > 5  # drawn from many surnames, not one string
