import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_local_admin_gets_a_generated_password_printed_once(capsys):
    call_command("ensure_local_admin", url="http://127.0.0.1:8123/admin/")
    out = capsys.readouterr().out
    password = re.search(r"with password: (\S+)", out).group(1)
    assert "http://127.0.0.1:8123/admin/" in out and len(password) >= 20
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)

    call_command("ensure_local_admin")
    again = capsys.readouterr().out
    assert password not in again and "make admin-password" in again


@override_settings(DEBUG=True)
def test_passwords_differ_between_machines(capsys):
    call_command("ensure_local_admin", username="one")
    call_command("ensure_local_admin", username="two")
    first, second = re.findall(r"with password: (\S+)", capsys.readouterr().out)
    assert first != second


@override_settings(DEBUG=True)
def test_reset_prints_a_new_password(capsys):
    call_command("ensure_local_admin")
    first = re.search(r"with password: (\S+)", capsys.readouterr().out).group(1)
    call_command("ensure_local_admin", reset=True)
    second = re.search(r"with password: (\S+)", capsys.readouterr().out).group(1)
    assert first != second and get_user_model().objects.get(username="admin").check_password(second)


@override_settings(DEBUG=False)
def test_refuses_outside_development():
    with pytest.raises(CommandError, match="local development only"):
        call_command("ensure_local_admin")
