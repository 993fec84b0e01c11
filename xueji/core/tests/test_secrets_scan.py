"""The secrets scan of `make scan` (.ci/secrets_scan.py, SECURITY.md §1 row 39): it finds a planted key, password
or secret key and fails; an allow entry needs a reason and must match something; the repository passes."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / ".ci" / "secrets_scan.py"


@pytest.fixture(scope="module")
def scanner():
    spec = importlib.util.spec_from_file_location("secrets_scan", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Built here, not written out, so that the repository's own scan does not find them in this file.
PLANTED = {
    "private-key": "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
    "aws-access-key-id": "aws_id = '" + "AKIA" + "Q3EGRIQXZJ7WMB2C'\n",
    "generic-api-key": "API_KEY = '" + "f3c9a1b2c3d4e5f60718293a4b5c6d7e'\n",
    "secret-key": "SECRET" + "_KEY = 'django-real-looking-key-9f8e7d6c5b4a'\n",
    "password": "DB_PASS" + "WORD = 'Hunter2#prod'\n",
}


@pytest.mark.parametrize("rule", sorted(PLANTED))
def test_a_planted_secret_is_found_and_fails_the_scan(scanner, tmp_path, capsys, rule):
    (tmp_path / "settings_local.py").write_text("import os\n" + PLANTED[rule])

    assert scanner.main(["secrets_scan", str(tmp_path)]) == 1
    assert f"settings_local.py:2: {rule}:" in capsys.readouterr().out


def test_the_dev_default_key_and_a_key_from_the_environment_pass(scanner, tmp_path):
    (tmp_path / "base.py").write_text(
        'SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-dev-key")\n'
        'password = os.environ["XUEJI_DB_PASSWORD"]\n')
    assert scanner.main(["secrets_scan", str(tmp_path)]) == 0


def test_an_allow_entry_needs_a_reason_and_a_match(scanner, tmp_path, capsys):
    (tmp_path / "demo.py").write_text(PLANTED["password"])
    entry = '[[tool.xueji.secrets_allow]]\nrule = "password"\npath = "demo.py"\n'
    (tmp_path / "pyproject.toml").write_text(entry + 'reason = "the demo\'s printed password"\n')
    assert scanner.main(["secrets_scan", str(tmp_path)]) == 0

    (tmp_path / "pyproject.toml").write_text(entry)  # no reason
    assert scanner.main(["secrets_scan", str(tmp_path)]) == 1
    (tmp_path / "demo.py").write_text("nothing = 1\n")  # the entry matches nothing any more
    (tmp_path / "pyproject.toml").write_text(entry + 'reason = "gone"\n')
    assert scanner.main(["secrets_scan", str(tmp_path)]) == 1
    assert "matching nothing" in capsys.readouterr().out


def test_the_repository_passes_the_scan(scanner, capsys):
    assert scanner.main(["secrets_scan"]) == 0, capsys.readouterr().out
