"""No account exists that nobody chose a password for, and the passwords people choose are not weak."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from sampledata.demo_data import IMPORTER_USERNAME, load_demo_data
from tests.factories import UserFactory
from tests.kb.test_settings import ROOT
from tests.security.test_headers import PRODUCTION_ENV

pytestmark = pytest.mark.django_db


def test_the_migrations_create_no_account():
    assert not get_user_model().objects.exists()


def test_the_demo_data_importer_cannot_log_in(client):
    load_demo_data()
    importer = get_user_model().objects.get(username=IMPORTER_USERNAME)
    assert not importer.is_active and not importer.has_usable_password()
    assert not importer.is_staff and not importer.is_superuser
    assert get_user_model().objects.count() == 1
    response = client.post("/admin/login/", {"username": IMPORTER_USERNAME, "password": ""})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_local_admin_command_refuses_to_run_in_production():
    env = {**os.environ, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "kb.settings.production"}
    result = subprocess.run([sys.executable, "manage.py", "ensure_local_admin"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "local development only" in result.stderr


@pytest.mark.parametrize(
    "password, reason",
    [
        ("Tr0ub4dor&3", "too short"),  # 11 characters
        ("password1234", "too common"),
        ("314159265358979", "entirely numeric"),
        ("reviewer-amina-k", "too similar to the username"),
    ],
)
def test_weak_passwords_are_refused(password, reason):
    user = UserFactory(username="reviewer-amina-k", email="amina@example.org")
    with pytest.raises(ValidationError, match=reason):
        validate_password(password, user)
    form = AdminPasswordChangeForm(user, {"password1": password, "password2": password})
    assert not form.is_valid() and "password2" in form.errors  # where an administrator sets an editor's password


def test_a_long_uncommon_password_is_accepted():
    validate_password("bright lantern over quiet harbours", UserFactory(username="editor"))
