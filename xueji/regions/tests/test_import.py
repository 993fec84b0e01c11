"""`manage.py import_regions FILE [--authorities PROVINCE]`: the official GB/T 2260 list, idempotently."""

import io

import pytest
from django.core.management import call_command

from xueji.regions.models import OrgKind, OrgUnit, Region

LIST = """\
行政区划代码\t单位名称
340000 安徽省
340100 合肥市
340102 瑶海区
341000 黄山市
341002\t屯溪区
341021　歙县
420000 湖北省
429004 仙桃市
"""


def _write(tmp_path, text, encoding="utf-8", name="regions.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_regions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_list_is_imported_with_levels_and_parents(db, tmp_path):
    out, err = _run(_write(tmp_path, LIST))

    assert "8 created, 0 updated, 0 unchanged, 0 errors" in out
    assert err == ""
    tunxi = Region.objects.get(code="341002")
    assert (tunxi.name, tunxi.level, tunxi.parent_id) == ("屯溪区", "county", "341000")
    assert Region.objects.get(code="341000").level == "prefecture"
    assert Region.objects.get(code="340000").parent_id is None


def test_a_county_with_no_prefecture_sits_under_its_province(db, tmp_path):
    _run(_write(tmp_path, LIST))

    assert Region.objects.get(code="429004").parent_id == "420000"  # 仙桃市, 省直辖县级行政单位


def test_a_second_run_changes_nothing(db, tmp_path):
    path = _write(tmp_path, LIST)
    _run(path, "--authorities", "340000")

    out, _err = _run(path, "--authorities", "340000")

    assert "0 created, 0 updated, 8 unchanged" in out
    assert "authorities: 0 created" in out
    assert Region.objects.count() == 8


def test_renamed_regions_are_updated(db, tmp_path):
    _run(_write(tmp_path, LIST))

    out, _err = _run(_write(tmp_path, LIST.replace("歙县", "歙县(新)"), name="2025.txt"))

    assert "0 created, 1 updated, 7 unchanged" in out
    assert Region.objects.get(code="341021").name == "歙县(新)"


def test_a_gb18030_file_is_read(db, tmp_path):
    out, _err = _run(_write(tmp_path, LIST, encoding="gb18030"))

    assert "8 created" in out
    assert Region.objects.get(code="341021").name == "歙县"


def test_csv_lines_with_extra_columns_are_read(db, tmp_path):
    out, _err = _run(_write(tmp_path, "code,name,level,parent_code\n340000,安徽省,province,\n"
                                      "341000,黄山市,prefecture,340000\n"))

    assert "2 created" in out
    assert Region.objects.get(code="341000").name == "黄山市"


def test_bad_lines_are_reported_and_the_rest_imported(db, tmp_path):
    text = LIST + "34100 短码\n3410031 长码区\n350102 鼓楼区\n"

    out, err = _run(_write(tmp_path, text))

    assert "8 created" in out and "3 errors" in out
    assert "line 10: expected '<6-digit code> <name>'" in err
    assert "line 11:" in err
    assert "350102 鼓楼区: parent 350000 is not in the list" in err
    assert not Region.objects.filter(code="350102").exists()


def test_authorities_are_built_from_the_ministry_down(db, tmp_path):
    out, _err = _run(_write(tmp_path, LIST), "--authorities", "340000")

    assert "authorities: 7 created" in out  # ministry, province, 2 cities, 3 counties
    ministry = OrgUnit.objects.get(kind=OrgKind.MINISTRY)
    province = OrgUnit.objects.get(code="340000")
    city = OrgUnit.objects.get(code="341000")
    county = OrgUnit.objects.get(code="341002")
    assert (province.kind, province.name, province.parent) == (OrgKind.PROVINCE, "安徽省教育厅", ministry)
    assert (city.kind, city.name, city.parent) == (OrgKind.CITY, "黄山市教育局", province)
    assert (county.kind, county.name, county.parent, county.region_id) == (OrgKind.COUNTY, "屯溪区教育局", city,
                                                                            "341002")
    assert ministry.path == f"/{ministry.pk}/"
    for unit in OrgUnit.objects.exclude(pk=ministry.pk):
        assert unit.path == f"{unit.parent.path}{unit.pk}/"
    assert ministry.contains(county) and province.contains(county) and not county.contains(city)
    assert not OrgUnit.objects.filter(code="420000").exists()  # only the province asked for


def test_counties_directly_under_a_province_get_county_authorities_there(db, tmp_path):
    _run(_write(tmp_path, LIST), "--authorities", "420000")

    xiantao = OrgUnit.objects.get(code="429004")
    assert (xiantao.kind, xiantao.parent.code) == (OrgKind.COUNTY, "420000")


def test_an_unknown_province_is_refused(db, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Province 110000 is not among the regions"):
        _run(_write(tmp_path, LIST), "--authorities", "110000")


def test_a_missing_file_is_an_error(db, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        _run(tmp_path / "missing.txt")
