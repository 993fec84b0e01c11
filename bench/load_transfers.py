"""Transfers in flight for the load benchmark (issue 9: a county's transfer inbox under 100 ms at p99 with 1 million
pupils in the province). Run by `bench/load.py` inside the served checkout (`manage.py shell`), through the
transfers' own services, as users would file and approve them:

- in the benchmark's county, PER_COUNTY same-county transfers between its primary schools: a third waiting for the
  receiving school's leader, the rest approved by both schools and waiting for the county;
- in OTHER_COUNTIES further counties, PER_COUNTY each, all waiting for their county, so that the county's inbox is
  one county's share of the province's transfers.

Idempotent: a county that already has transfers is left alone."""

from xueji.demo.transfers import _accounts, _decide, _first_class, _first_fit, _pupils
from xueji.regions.models import OrgKind, OrgUnit
from xueji.schools.models import School
from xueji.transfers.models import Transfer

PER_COUNTY = 60
OTHER_COUNTIES = 15


def _county(county: OrgUnit) -> int:
    if Transfer.objects.filter(destination_school__county=county).exists():
        return 0
    schools = list(School.objects.filter(county=county, running_type="211", is_active=True)
                   .select_related("org_unit").order_by("code")[:8])
    if len(schools) < 2:
        return 0
    users = {school.pk: _accounts(f"bench_{school.code}", school.org_unit) for school in schools}
    taken = set(Transfer.objects.values_list("student_id", flat=True))
    filed = 0
    for index in range(PER_COUNTY):
        receiving = schools[index % len(schools)]
        sending = schools[(index + 1 + index // len(schools)) % len(schools)]
        if sending.pk == receiving.pk:
            sending = schools[(index + 1) % len(schools)]
        transfer = _first_fit(users[receiving.pk]["registrar"], _pupils(sending.org_unit, taken), taken)
        if transfer is None:
            continue
        filed += 1
        if index % 3 == 0:
            continue  # waiting for the receiving school's leader (the class choice)
        _decide(users[receiving.pk]["leader"], transfer, school_class=_first_class(transfer))
        _decide(users[sending.pk]["leader"], transfer)  # now waiting for the county
    return filed


def seed(county_path: str) -> dict[str, int]:
    """Transfers in the county at `county_path` (the benchmark's county user) and in OTHER_COUNTIES others."""
    county = OrgUnit.objects.get(path=county_path, kind=OrgKind.COUNTY)
    others = OrgUnit.objects.filter(kind=OrgKind.COUNTY).exclude(pk=county.pk).order_by("path")[:OTHER_COUNTIES]
    done = {county.name: _county(county)}
    for other in others:
        done[other.name] = _county(other)
    return done
