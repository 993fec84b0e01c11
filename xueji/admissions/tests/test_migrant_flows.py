"""随迁子女's flows (xueji/attendance's migrant register) from admissions: a graduate of 屯溪区 admitted into a
school of 歙县 shows as a flow between the two counties and in 歙县's migrant pupils on the roll; a graduate of
江苏 entering a school of 安徽 after graduation (毕业后跨省就学) shows as a flow between the provinces."""

from xueji.admissions import entry as entries
from xueji.admissions import services
from xueji.admissions.tests.entry_helpers import both_approved, registrar
from xueji.admissions.tests.helpers import office, plan, row, upload, year
from xueji.attendance import selectors
from xueji.hub.services import hub_run
from xueji.registry import counts
from xueji.registry.models import RegStatus, Student
from xueji.schools.models import SchoolClass
from xueji.schoolyear.services import graduation_graduate


def _flow(flows, source, destination):
    return [f for f in flows if (f["source_county"] or f["source_province_code"],
                                 f["destination_county"] or f["destination_province_code"]) == (source, destination)]


def test_a_graduate_admitted_into_another_county_shows_in_the_flows_and_the_county_enrolment(scene):
    world = scene
    pupil = world.students["tunxi_middle"]
    final = SchoolClass.objects.create(school=world.schools["tunxi_middle"], stage="2", cohort_year=year() - 2,
                                       number=9)
    Student.objects.filter(pk=pupil.pk).update(school_class=final, reg_status=RegStatus.REGISTERED, is_migrant=True)
    counts.rebuild()
    graduation_graduate(actor=world.user("tunxi_middle", "registrar"), school=world.schools["tunxi_middle"],
                        student_ids=[pupil.pk])
    leader = world.user("huangshan", "leader")
    before = {r["school__county__name"]: r["n"] for r in selectors.migrant_by_county(user=leader)}
    assert _flow(selectors.migrant_flows(user=leader), "tunxi authority", "shexian authority") == []

    plan(world, "shexian_senior", 10)
    upload(world, row(Student.objects.get(pk=pupil.pk), "shexian_senior"), unit="shexian")
    services.admissions_apply(actor=office(world, "shexian"), year=year())

    flows = _flow(selectors.migrant_flows(user=leader), "tunxi authority", "shexian authority")
    assert [(f["n"], f["admissions"], f["transfers"], f["migrant"]) for f in flows] == [(1, 1, 0, 1)]
    assert flows[0]["source_province_code"] == flows[0]["destination_province_code"] == "340000"
    # Both counties see it (the sending one as its graduate's, the receiving one as its pupil's); a third not.
    for county in ("tunxi", "shexian"):
        assert len(_flow(selectors.migrant_flows(user=world.user(county, "registrar")),
                         "tunxi authority", "shexian authority")) == 1
    assert selectors.migrant_flows(user=world.user("hefei", "registrar")) == []
    after = {r["school__county__name"]: r["n"] for r in selectors.migrant_by_county(user=leader)}
    assert after.get("shexian authority", 0) == before.get("shexian authority", 0) + 1
    assert after.get("tunxi authority", 0) == before.get("tunxi authority", 0)  # graduated: off its roll


def test_a_cross_province_entry_after_graduation_shows_as_a_flow_between_provinces(entry_scene):
    world = entry_scene
    pupil = world.students["xuanwu_primary"]
    Student.objects.filter(pk=pupil.pk).update(is_migrant=True)
    entry, _release = both_approved(world)
    entries.entry_retrieve(actor=registrar(world), entry=entry)
    hub_run()
    entry.refresh_from_db()
    assert entry.state == "completed"
    into = _flow(selectors.migrant_flows(user=world.user("anhui", "leader")), "320000", "tunxi authority")
    assert [(f["n"], f["entries"], f["migrant"]) for f in into] == [(1, 1, 1)]
    out = _flow(selectors.migrant_flows(user=world.user("jiangsu", "leader")), "xuanwu authority", "340000")
    assert [(f["n"], f["entries"]) for f in out] == [(1, 1)]
    county = {r["school__county__name"]: r["n"] for r in selectors.migrant_by_county(user=world.user("tunxi",
                                                                                                     "leader"))}
    assert county.get("tunxi authority") >= 1
