"""Registration data for the demo: the local population register with planted errors, and pre-school records
of children about to enter grade 1 (so the grade-1 takeover can be tried)."""

import datetime as dt
import random

from xueji.core import clock, idnumbers
from xueji.registration.models import PreschoolRecord
from xueji.registry.models import Student
from xueji.schools.models import School
from xueji.schools.selectors import current_school_year_start
from xueji.verification.models import RegisterEntry
from xueji.verification.register import register_fill_from_students

GIVEN = "子涵 欣怡 梓轩 浩然 雨桐 宇轩 思彤 俊杰 诗涵 一诺 沐阳 若汐 明轩 可馨 梓萱".split()
SURNAMES = tuple("王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗曾")  # one character each (str.split kept it whole)


def preschool_records_make(*, count: int, seed: int = 7) -> int:
    """Kindergarten leavers of the demo counties, old enough for grade 1 this school year."""
    rng = random.Random(seed)
    counties = sorted({code for code in School.objects.values_list("county__code", flat=True) if code.isdigit()})
    if not counties:
        return 0
    start = current_school_year_start()
    first, last = dt.date(start - 7, 9, 1), dt.date(start - 6, 8, 31)
    taken = set(Student.objects.filter(birth_date__range=(first, last)).values_list("id_number", flat=True))
    records = []
    for n in range(count):
        county = counties[n % len(counties)]
        birth = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
        sex = rng.choice("12")
        for _attempt in range(50):
            seq = rng.randrange(600, 999)
            if (seq % 2 == 1) != (sex == "1"):
                seq += 1
            number = idnumbers.make(county, birth, seq % 1000)
            if number not in taken:
                break
        taken.add(number)
        records.append(PreschoolRecord(
            province_code=county[:2] + "0000", id_number=number, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
            sex=sex, birth_date=birth, kindergarten=f"{county}号机关幼儿园",
            data={"address": "黄山市屯溪区新安北路8号", "phone": f"139{rng.randrange(10**8):08d}",
                  "guardian1.name": rng.choice(SURNAMES) + "建国", "guardian1.relation": "51"}))
    PreschoolRecord.objects.bulk_create(records, ignore_conflicts=True)
    return len(records)


def demo_registration_data(*, omit: int = 12, rename: int = 12, preschool: int = 120) -> dict:
    """Fill the local register from the registered pupils (planting `omit` unknown IDs and `rename` name
    mismatches, which verification then flags) and add pre-school records."""
    register = register_fill_from_students(omit=omit, rename=rename)
    made = preschool_records_make(count=preschool)
    # The children entering grade 1 are in the population register too, so their registration verifies.
    RegisterEntry.objects.bulk_create([RegisterEntry(id_number=r.id_number, name=r.name, sex=r.sex,
                                                     birth_date=r.birth_date, loaded_at=clock.now())
                                       for r in PreschoolRecord.objects.all()], ignore_conflicts=True)
    return {"register": register["pupils"], "omitted": len(register["omitted"]),
            "renamed": len(register["renamed"]), "preschool": made}
