"""The admin login locks an address out after repeated failures (django-axes), by the address the server saw:
a made-up X-Forwarded-For neither escapes the lock nor moves it onto someone else."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle

from kb.security import client_ip_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"
ATTACKER, EDITOR = "198.51.100.7", "203.0.113.20"


@pytest.fixture
def editor_account():
    return UserFactory(username="editor", is_staff=True)


def log_in(client, password, *, address=ATTACKER, **headers):
    return client.post(LOGIN, {"username": "editor", "password": password}, REMOTE_ADDR=address, **headers)


def fail_until_locked(client, **headers):
    return [log_in(client, "wrong password", **headers).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]


def test_repeated_failures_lock_the_address_out_with_a_clear_message(client, editor_account):
    assert fail_until_locked(client) == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = log_in(client, PASSWORD)  # even the right password is refused now
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed logins" in page
    assert f"blocked after {settings.AXES_FAILURE_LIMIT} failed attempts" in page and "Try again in 60 minutes" in page
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_show_the_usual_form_error(client, editor_account):
    response = log_in(client, "wrong password")
    assert response.status_code == 200 and "Please enter the correct username and password" in response.content.decode()


def test_a_forged_x_forwarded_for_neither_spreads_the_failures_nor_lifts_the_lock(client, editor_account):
    statuses = [log_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert log_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_a_forged_x_forwarded_for_cannot_lock_someone_else_out(client, editor_account):
    fail_until_locked(client, HTTP_X_FORWARDED_FOR=EDITOR)
    assert log_in(client, PASSWORD, address=EDITOR).status_code == 302


def test_a_login_from_another_address_is_not_affected(client, editor_account):
    fail_until_locked(client)
    response = log_in(client, PASSWORD, address=EDITOR)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_lock_lifts_after_the_cool_off(client, editor_account):
    fail_until_locked(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(minutes=1))
    assert log_in(client, PASSWORD).status_code == 302


def test_a_successful_login_clears_earlier_failures(client, editor_account):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "wrong").status_code == 200  # counting starts again


@pytest.mark.parametrize(
    "proxies, forwarded_for, expected",
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no proxy configured: the header is the client's own words
        (1, "192.0.2.1", "192.0.2.1"),
        (1, "6.6.6.6, 192.0.2.1", "192.0.2.1"),  # the client wrote 6.6.6.6; our proxy appended what it saw
        (2, "6.6.6.6, 192.0.2.1, 10.0.0.9", "192.0.2.1"),
        (2, "192.0.2.1", "192.0.2.1"),  # fewer hops than proxies: the left-most, as DRF's throttle takes it
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),  # a broken proxy chain never reaches the database's address column
    ],
)
def test_the_client_address_behind_trusted_proxies(proxies, forwarded_for, expected):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip_address(request) == expected


def test_behind_a_trusted_proxy_the_lock_follows_the_address_it_reports(client, editor_account):
    proxy = "10.0.0.2"
    with override_settings(TRUSTED_PROXY_COUNT=1):
        for n in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "wrong", address=proxy, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, {ATTACKER}")
        assert log_in(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
        assert log_in(client, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=EDITOR).status_code == 302


def test_the_api_throttle_is_not_escaped_by_a_forged_x_forwarded_for(client, monkeypatch):
    cache.clear()
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    statuses = [client.get("/api/v1/groups/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    cache.clear()
