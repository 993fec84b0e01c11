"""Upload checks before any parser reads the file: size, type by content, zip-bomb guard."""

import io
import struct
import zipfile

import pytest

from xueji.core.errors import ValidationFailed
from xueji.exchange.models import ImportBatch
from xueji.exchange.services import import_start, import_template
from xueji.exchange.tests.conftest import pupil, upload, xlsx_bytes
from xueji.exchange.uploads import UploadTooLarge
from xueji.policy.models import PolicySetting

MB = 1024 * 1024


def refused(registrar, school, name, content) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as excinfo:
        import_start(actor=registrar, school=school, upload=upload(name, content))
    assert not ImportBatch.objects.exists()
    return excinfo.value


def _declare_huge(content: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size a zip declares for one member (central directory and local header):
    what a zip bomb looks like from the outside, without making the bytes."""
    data = bytearray(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46:position + 46 + name_length]).decode() == member:
            struct.pack_into("<I", data, position + 24, size)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def test_a_zip_declaring_a_huge_size_is_refused_before_parsing(world, media, registrar, school, class_name):
    content = _declare_huge(xlsx_bytes([pupil(1, class_name=class_name)]), "xl/worksheets/sheet1.xml",
                            0xFFFFFF00)
    assert len(content) < 50_000
    error = refused(registrar, school, "学生.xlsx", content)
    assert error.code == "zip_bomb" and "解压后将达" in error.message and "已拒绝" in error.message


def test_a_small_file_inflating_a_thousandfold_is_refused(world, media, registrar, school):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<c/>" * (42 * MB // 4))  # 42 MB of XML, ~45 KB zipped
    content = buffer.getvalue()
    assert len(content) < 100_000
    error = refused(registrar, school, "学生.xlsx", content)
    assert error.code == "zip_bomb" and "压缩率" in error.message


def test_too_many_entries_and_zips_that_are_not_workbooks(world, media, registrar, school):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(600):
            archive.writestr(f"x/{n}.xml", "")
    assert refused(registrar, school, "学生.xlsx", buffer.getvalue()).code == "zip_bomb"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    error = refused(registrar, school, "学生.xlsx", buffer.getvalue())
    assert error.code == "wrong_file_type" and "不是 Excel 工作簿" in error.message
    error = refused(registrar, school, "学生.xlsx", b"PK\x03\x04" + b"\x00" * 200)
    assert error.code == "corrupt_file"


def test_a_pdf_renamed_xlsx_and_other_impostors_are_refused(world, media, registrar, school):
    error = refused(registrar, school, "学生.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert error.code == "wrong_file_type" and "PDF" in error.message
    assert "PNG" in refused(registrar, school, "学生.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50).message
    error = refused(registrar, school, "学生.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    assert ".xls" in error.message
    error = refused(registrar, school, "学生.csv", import_template(actor=registrar, school=school))
    assert "扩展名" in error.message  # an xlsx named .csv
    assert refused(registrar, school, "学生.xlsx", "姓名,性别\n".encode()).code == "wrong_file_type"
    assert refused(registrar, school, "学生.docx", b"hello").code == "wrong_file_type"
    assert refused(registrar, school, "学生.csv", b"").code == "empty_file"
    assert refused(registrar, school, "学生.csv", b"a,b\x00c\n").code == "wrong_file_type"


class DeclaredUpload:
    """An upload that only declares its size (200 MB): refused before a byte of it is read."""

    name = "学生.csv"
    size = 200 * MB

    def chunks(self):
        raise AssertionError("the body must not be read")


def test_a_200_mb_upload_is_refused_by_its_declared_size(world, media, registrar, school):
    with pytest.raises(UploadTooLarge) as excinfo:
        import_start(actor=registrar, school=school, upload=DeclaredUpload())
    error = excinfo.value
    assert error.status_code == 413 and error.code == "file_too_large"
    assert "超过导入文件的上限" in error.message and "200" in error.message and "100" in error.message
    assert error.details == {"size": 200 * MB, "limit": 100 * MB}


def test_the_limit_is_enforced_while_streaming_and_follows_policy(world, media, registrar, school, class_name):
    PolicySetting.objects.create(province_code="340000", key="import.max_bytes", value=2000)

    class Lying:
        name = "学生.csv"
        size = None  # no declared size: the bytes are counted as they arrive

        def chunks(self):
            for _ in range(10):
                yield b"x" * 1000

    with pytest.raises(UploadTooLarge) as excinfo:
        import_start(actor=registrar, school=school, upload=Lying())
    assert "上传在超出上限时已中止" in excinfo.value.message
    assert not list((media / "imports").glob("*/*")) if (media / "imports").exists() else True


def test_the_api_refuses_a_200_mb_body_before_reading_it(world, media, login, registrar):
    client = login(registrar)
    response = client.post("/api/v1/imports/", data={"file": upload("学生.csv", b"x")},
                           CONTENT_LENGTH=str(200 * MB))
    assert response.status_code == 413, response.content
    body = response.json()
    assert body["code"] == "file_too_large" and "超过导入文件的上限" in body["message"]
    # Other endpoints keep the general request limit.
    response = client.post("/api/v1/students/export/", data={}, content_type="application/json",
                           CONTENT_LENGTH=str(200 * MB))
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"


def test_the_api_stops_streaming_past_the_limit(world, media, login, registrar):
    PolicySetting.objects.create(province_code="340000", key="import.max_bytes", value=2000)
    response = login(registrar).post("/api/v1/imports/", data={"file": upload("学生.csv", b"x" * 30_000)})
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    assert not ImportBatch.objects.exists()


# T-FILE (SECURITY.md row 36): names, XML declarations, and every reader guarded --------------------------------


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\windows\\学生.csv", "学生\x00.csv.exe", "/tmp/x.csv",
                                  "a" * 300 + ".csv"])
def test_an_upload_is_stored_under_a_generated_name_whatever_it_is_called(media, name):
    from xueji.exchange.uploads import store_upload

    stored = store_upload(upload(name, b"a,b\n"), limit=1000)
    imports = (media / "imports").resolve()
    assert stored.path.resolve().parent.parent == imports  # imports/<generated>/<generated>
    assert stored.path.name in ("upload", "upload.csv", "upload.exe") and "\x00" not in stored.relative
    assert stored.path.read_bytes() == b"a,b\n" and "/" not in stored.name and "\x00" not in stored.name
    assert not (media.parent / "etc").exists()


def _workbook_with(part: str, xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(part, xml)
    return buffer.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
                     for n in range(1, 10))
          + b']><sst><si><t>&lol9;</t></si></sst>')
XXE = b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><sst><si><t>&x;</t></si></sst>'


@pytest.mark.parametrize("xml", [LAUGHS, XXE, LAUGHS.decode().encode("utf-16")], ids=["laughs", "xxe", "utf16"])
def test_a_workbook_declaring_entities_is_refused_before_parsing(world, media, registrar, school, xml):
    error = refused(registrar, school, "学生.xlsx", _workbook_with("xl/sharedStrings.xml", xml))
    assert error.code == "unsafe_xml" and "sharedStrings" in error.message


def test_every_reader_of_a_workbook_checks_its_container_first(tmp_path):
    from xueji.exchange.readers import open_source

    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_workbook_with("xl/worksheets/sheet1.xml", b"<c/>" * (42 * MB // 4)))
    assert path.stat().st_size < 100_000  # ~45 KB declaring 42 MB
    with pytest.raises(ValidationFailed) as excinfo:
        open_source(path, "xlsx", "bomb.xlsx")
    assert excinfo.value.code == "zip_bomb"


def test_no_module_parses_xml_with_a_python_parser():
    """Why defusedxml is not installed: nothing would use it. The readers use calamine and regular expressions; a
    module importing Python's XML parsers (or openpyxl, which uses them) must come with defusedxml."""
    import ast
    from pathlib import Path

    from django.conf import settings

    parsers = ("xml.etree", "xml.dom", "xml.sax", "xml.parsers", "lxml", "openpyxl")
    root = Path(settings.BASE_DIR)
    found = []
    for path in (root / "xueji").rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if "xml" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(root)}: {n}" for n in names if n.startswith(parsers)]
    assert found == []
