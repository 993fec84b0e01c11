"""Control 27 (residual information): an upload large enough to be spooled to a temporary file leaves nothing in
the temporary folder, whether the file is accepted, refused or its handling fails with an exception."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xueji.exchange.tests.conftest import csv_bytes, pupil

pytestmark = pytest.mark.django_db


@pytest.fixture
def spool(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "tmp")
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16  # every upload goes through a temporary file
    (tmp_path / "tmp").mkdir()
    return tmp_path / "tmp"


def _upload(client, content: bytes, name: str):
    return client.post(reverse("exchange:import_upload"), {"file": SimpleUploadedFile(name, content),
                                                           "kind": "enrolled"})


def test_no_temporary_file_is_left_after_an_accepted_a_refused_or_a_failed_upload(world, login, spool):
    client = login(world.user("tunxi_primary", "registrar"))
    class_name = world.classes["tunxi_primary"].display_name
    accepted = _upload(client, csv_bytes([pupil(1, class_name=class_name)]), "三年级一班.csv")
    assert accepted.status_code == 302
    refused = _upload(client, b"\x89PNG\r\n\x1a\n" + b"0" * 64, "三年级一班.csv")  # not a table
    assert refused.status_code == 200
    with mock.patch("xueji.exchange.services.import_start", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            _upload(client, csv_bytes([pupil(2, class_name=class_name)]), "三年级一班.csv")
    assert list(spool.iterdir()) == []
