"""`manage.py demo_data` wipes data and creates accounts with a published password: never outside dev and test."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from xueji.accounts.models import User
from xueji.registry.models import Student

ROOT = Path(__file__).resolve().parents[3]


@override_settings(XUEJI_ALLOW_DEMO_DATA=False)
def test_demo_data_refuses_where_the_settings_do_not_allow_it_and_changes_nothing(world):
    users, pupils = User.objects.count(), Student.objects.count()

    for options in ({}, {"reset": True}, {"if_empty": True}):
        with pytest.raises(CommandError, match="development or test settings"):
            call_command("demo_data", counties=1, schools=3, pupils=60, **options)

    assert (User.objects.count(), Student.objects.count()) == (users, pupils)
    assert not User.objects.filter(username="school_registrar").exists()


def test_the_production_settings_refuse_demo_data_even_when_the_environment_asks(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod", "XUEJI_ALLOW_DEMO_DATA": "true",
           "DJANGO_SECRET_KEY": "x" * 60, "XUEJI_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # SQLite in tmp_path
    done = subprocess.run([sys.executable, "manage.py", "demo_data", "--reset", "--pupils", "60"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)

    assert done.returncode == 1
    assert "development or test settings" in done.stderr
    assert not (tmp_path / "xueji.sqlite3").exists()  # not even a database file was opened
