import csv
import datetime as dt
import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from xueji.core import idnumbers
from xueji.exchange.readers import header_title
from xueji.registry.fields import ALL_ITEMS, BY_KEY

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


def pupil(n: int, *, class_name: str = "2025级1班", **over) -> dict[str, str]:
    """A valid pupil as import cells (keys as in registry.fields), different for every n."""
    birth = dt.date(2016, 1, 1) + dt.timedelta(days=n % 700)
    sex = "1" if n % 2 == 0 else "2"
    sequence = (2 * (n % 400) + (1 if sex == "1" else 2)) % 1000
    area = ("341002", "341021", "340102")[n // 400 % 3]
    row = {
        "class_name": class_name, "name": SURNAMES[n % 20] + GIVEN[n // 20 % 20] + GIVEN[n // 400 % 20],
        "sex": "男" if sex == "1" else "女", "birth_date": birth.isoformat(), "birthplace": area,
        "native_place": area, "ethnic": "汉族", "nationality": "CHN", "id_type": "居民身份证",
        "id_number": idnumbers.make(area, birth, sequence), "gatqw": "否", "health": "健康或良好",
        "hukou_location": area, "hukou_nature": "非农业户口", "entry_date": "202209", "admission_mode": "就近入学",
        "study_mode": "走读", "address": f"屯溪区新安路{n}号", "mailing_address": f"屯溪区新安路{n}号",
        "family_address": f"屯溪区新安路{n}号", "phone": f"139{n:08d}", "postcode": "245000",
        "is_only_child": "是", "had_preschool": "是",
        "guardian1.name": "张建国", "guardian1.relation": "父亲", "guardian1.phone": f"138{n:08d}",
        "guardian1.id_type": "居民身份证", "guardian1.id_number": idnumbers.make(area, dt.date(1985, 3, 1), 11),
        "guardian2.name": "李秀英", "guardian2.relation": "母亲", "guardian2.phone": f"137{n:08d}",
    }
    row.update(over)
    return row


def titles(keys=None) -> list[str]:
    items = [BY_KEY[k] for k in keys] if keys else list(ALL_ITEMS)
    return [header_title(item) for item in items]


def csv_bytes(rows: list[dict], *, encoding: str = "utf-8", bom: bool = False, keys=None,
              header: list[str] | None = None, delimiter: str = ",") -> bytes:
    keys = keys or [item.key for item in ALL_ITEMS]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or titles(keys))
    for row in rows:
        writer.writerow([row.get(k, "") for k in keys])
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[dict], *, keys=None, formulas: dict[tuple[int, str], str] | None = None,
               numbers: dict[tuple[int, str], float] | None = None, header: list[str] | None = None) -> bytes:
    """An .xlsx with the rows from row 2 on; formulas/numbers: {(index in rows, key): formula or number}."""
    keys = keys or [item.key for item in ALL_ITEMS]
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("学生信息")
    sheet.write_row(0, 0, header or titles(keys))
    for index, row in enumerate(rows):
        for col, key in enumerate(keys):
            if formulas and (index, key) in formulas:
                sheet.write_formula(index + 1, col, formulas[(index, key)], None, row.get(key, ""))
            elif numbers and (index, key) in numbers:
                sheet.write_number(index + 1, col, numbers[(index, key)])
            elif row.get(key, "") != "":
                sheet.write_string(index + 1, col, row[key])
    workbook.close()
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def registrar(world):
    return world.user("tunxi_primary", "registrar")


@pytest.fixture
def school(world):
    return world.schools["tunxi_primary"]


@pytest.fixture
def class_name(world):
    return world.classes["tunxi_primary"].display_name
