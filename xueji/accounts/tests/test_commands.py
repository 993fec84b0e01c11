import pytest
from django.core.management import CommandError, call_command

from xueji.accounts.models import User


def test_create_sysadmin(world, capsys):
    call_command("create_sysadmin", "boss", "--org", "340000", "--password", "Head#2026xyz")
    user = User.objects.get(username="boss")
    assert user.role_set == {"sysadmin"} and user.org_unit.code == "340000"
    assert "boss" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("create_sysadmin", "boss2", "--org", "999999", "--password", "Head#2026xyz")
    with pytest.raises(CommandError):
        call_command("create_sysadmin", "boss3", "--org", "340000", "--password", "weak")
