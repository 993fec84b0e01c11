"""The one sniffer and the one encoding detector (core/files.py)."""

import pytest

from xueji.core import files
from xueji.core.errors import ValidationFailed


@pytest.mark.parametrize(("head", "key"), [
    (b"\x89PNG\r\n\x1a\n....", "png"), (b"\xff\xd8\xff\xe0", "jpeg"), (b"%PDF-1.7", "pdf"), (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"), (b"MZ\x90\x00", "exe"),
])
def test_a_file_is_known_by_its_first_bytes(head, key):
    assert files.sniff(head).key == key


def test_text_has_no_signature():
    assert files.sniff("姓名,性别\n".encode()) is None


@pytest.mark.parametrize(("data", "encoding"), [
    ("\ufeff姓名,性别\n".encode(), "utf-8-sig"), ("姓名,性别\n".encode(), "utf-8"),
    ("姓名,性别\n".encode("gb18030"), "gb18030"), ("姓名,性别\n".encode("utf-16"), "utf-16"),
])
def test_the_encoding_of_a_csv_is_found(tmp_path, data, encoding):
    path = tmp_path / "学生.csv"
    path.write_bytes(data)
    assert files.detect_encoding(path, path.name) == encoding


def test_an_undecodable_text_is_refused_with_its_name(tmp_path):
    path = tmp_path / "学生.csv"
    path.write_bytes(b"\xff\xfe\x00\xd8")  # a UTF-16 mark, then half a surrogate pair
    with pytest.raises(ValidationFailed, match="学生.csv"):
        files.detect_encoding(path, path.name)
