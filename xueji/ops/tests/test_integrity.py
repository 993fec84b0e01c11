"""Trusted verification (可信验证, SECURITY.md control 21, T-TV-01): the SM3 manifest of the code, templates, static
files, migrations and settings; a changed, added or removed file is an alarm naming it (a failed audit row and an
intrusion alert for the security administrators, mailed); unchanged is clean; no manifest (development) reports
nothing. Verified at the worker's start, periodically once per machine, in `check --deploy`, on the status page."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from xueji.accounts.choices import AlertKind
from xueji.accounts.models import Alert as SecurityAlert
from xueji.audit.models import AuditEvent
from xueji.core import clock
from xueji.core.crypto import sm3_hex
from xueji.ops import checks, integrity, services
from xueji.ops.models import IntegrityCheck

TEMPLATE = "xueji/ui/templates/ui/page.html"


@pytest.fixture
def tree(tmp_path, settings):
    """A small project tree: covered files, and what the manifest leaves out (.venv, node_modules, __pycache__)."""
    root = tmp_path / "app"
    for rel, text in ((TEMPLATE, "<h1>{{ title }}</h1>"), ("xueji/ui/static/ui/app.css", "h1 { color: red }"),
                      ("xueji/ui/views.py", "def page(): ...\n"),
                      ("xueji/ui/migrations/0001_initial.py", "operations = []\n"),
                      ("config/settings/prod.py", "DEBUG = False\n"), ("manage.py", "#!/usr/bin/env python\n"),
                      ("xueji/ui/__pycache__/views.cpython-311.pyc", "x"), (".venv/lib/site.py", "x"),
                      ("node_modules/bootstrap/x.js", "x"), ("var/xueji.sqlite3", "x")):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    settings.BASE_DIR = root
    settings.XUEJI_INTEGRITY_MANIFEST = root / "INTEGRITY.sm3.json"
    return root


@pytest.fixture
def security_mail(world):
    """The top level's security administrator (the alert's recipient) with an address."""
    user = world.user("ministry", "security")
    user.email = "sec@ministry.example"
    user.save(update_fields=["email"])
    return user


def test_the_manifest_holds_the_sm3_of_the_covered_files_only(tree):
    call_command("manifest", "write", stdout=open("/dev/null", "w"))  # noqa: SIM115
    manifest = json.loads((tree / "INTEGRITY.sm3.json").read_text(encoding="utf-8"))
    assert manifest["algorithm"] == "sm3"
    assert sorted(manifest["files"]) == sorted(["config/settings/prod.py", "manage.py", TEMPLATE,
                                                "xueji/ui/migrations/0001_initial.py", "xueji/ui/static/ui/app.css",
                                                "xueji/ui/views.py"])
    assert manifest["files"][TEMPLATE] == sm3_hex(b"<h1>{{ title }}</h1>")


def test_a_changed_template_is_an_alarm_naming_exactly_that_file(tree, security_mail, mailoutbox, client,
                                                                 django_capture_on_commit_callbacks):
    integrity.write(tree, tree / "INTEGRITY.sm3.json")
    assert services.integrity_verify(source="start").status == "ok"  # unchanged: clean
    assert not SecurityAlert.objects.exists() and not mailoutbox
    clean = AuditEvent.objects.get(action="ops.integrity")
    assert clean.success

    (tree / TEMPLATE).write_text("<h1>{{ title }}</h1><script src=//evil.example/x.js></script>", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        check = services.integrity_verify(source="periodic")
    assert check.status == "changed" and check.differences == {"changed": [TEMPLATE]}
    event = AuditEvent.objects.filter(action="ops.integrity", success=False).get()
    assert event.after["changed"] == [TEMPLATE] and event.after["added"] == [] and event.after["removed"] == []
    alert = SecurityAlert.objects.get(kind=AlertKind.INTEGRITY)
    assert alert.evidence["changed"] == [TEMPLATE] and alert.audit_ids == [event.pk]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["sec@ministry.example"] and TEMPLATE in mailoutbox[0].body
    client.force_login(security_mail)
    page = client.get(reverse("accounts:alert_detail", args=[alert.pk])).content.decode()
    assert TEMPLATE in page.split('data-testid="changed"')[1].split("</dd>")[0]

    # Found again: the same alert, counted; a new file and a removed one: another alert naming them.
    services.integrity_verify(source="periodic")
    assert SecurityAlert.objects.get().count == 2
    (tree / "xueji/ui/backdoor.py").write_text("import os\n", encoding="utf-8")
    (tree / "xueji/ui/static/ui/app.css").unlink()
    check = services.integrity_verify(source="periodic")
    assert check.differences == {"changed": [TEMPLATE], "added": ["xueji/ui/backdoor.py"],
                                 "removed": ["xueji/ui/static/ui/app.css"]}
    assert SecurityAlert.objects.count() == 2


def test_an_altered_manifest_is_an_alarm(tree, world):
    (tree / "INTEGRITY.sm3.json").write_text("{not json", encoding="utf-8")
    check = services.integrity_verify(source="command")
    assert check.status == "invalid" and "error" in check.differences
    assert SecurityAlert.objects.filter(kind=AlertKind.INTEGRITY).count() == 1


def test_with_no_manifest_nothing_is_verified_nor_reported(tree, world, client):
    assert services.integrity_verify(source="start") is None
    assert services.integrity_periodic() is None
    assert not IntegrityCheck.objects.exists() and not SecurityAlert.objects.exists()
    assert not AuditEvent.objects.filter(action="ops.integrity").exists()
    assert [m.id for m in checks.integrity_check()] == ["xueji.I021"]  # a note in check --deploy, not a warning
    client.force_login(world.user("anhui", "sysadmin"))
    text = client.get(reverse("ops:status")).content.decode()
    assert 'data-testid="integrity"' in text and ("No manifest" in text or "无清单" in text)


def test_the_deploy_check_and_the_command_fail_on_a_changed_file(tree, world):
    call_command("manifest", "write", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert checks.integrity_check() == []
    (tree / "config/settings/prod.py").write_text("DEBUG = True\n", encoding="utf-8")
    found = checks.integrity_check()
    assert [m.id for m in found] == ["xueji.E022"] and "config/settings/prod.py" in found[0].msg
    with pytest.raises(CommandError, match="config/settings/prod.py"):
        call_command("manifest", "verify")
    assert IntegrityCheck.objects.get().source == "command"


def test_the_worker_verifies_at_start_and_the_maintenance_once_per_interval(tree, world, settings, client):
    from xueji.jobs.management.commands.jobs_worker import run_startup
    from xueji.jobs.registry import periodic

    assert {"ops.integrity", "ops.replication"} <= set(periodic())  # the worker's maintenance runs them
    integrity.write(tree, tree / "INTEGRITY.sm3.json")
    settings.XUEJI_OPS_PERIODIC = True
    assert run_startup()["ops.integrity"].source == "start"
    now = clock.now()
    assert services.integrity_periodic(now=now) == {"status": "ok", "files": 6}
    assert services.integrity_periodic(now=now) is None  # another worker on this host: already done
    (tree / TEMPLATE).write_text("changed", encoding="utf-8")
    later = now + dt.timedelta(minutes=settings.XUEJI_INTEGRITY_MINUTES)
    assert services.integrity_periodic(now=later)["status"] == "changed"
    client.force_login(world.user("anhui", "sysadmin"))
    text = client.get(reverse("ops:status")).content.decode()
    shown = text.split('data-testid="integrity"')[1].split("</div>\n  </div></div></div>")[0]
    assert 'data-status="changed"' in shown and TEMPLATE in shown


def test_the_real_tree_verifies_clean_against_its_own_manifest(tmp_path):
    root = Path(django_settings.BASE_DIR)
    manifest = integrity.write(root, tmp_path / "m.json")
    assert "xueji/ops/integrity.py" in manifest["files"] and "config/settings/base.py" in manifest["files"]
    assert not any(name.startswith((".venv/", "node_modules/")) or "__pycache__" in name
                   for name in manifest["files"])
    assert integrity.verify(root, tmp_path / "m.json").status == "ok"
