"""Public reads go to the read replica (DATABASE_REPLICA_URL), everything else to the primary (kb/db_router.py).

The suite has no replica: the `replica` fixture adds the alias for one test, pointing at the test database itself
(as `TEST: MIRROR` would), so the queries a page sends through it can be counted. It is a second connection, which
sees only committed rows, hence the transactional tests. tests/scaleout/ runs a real streaming replica."""

import copy
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import signing
from django.core.cache import caches
from django.db import connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from groups.models import Group
from kb import db_router, prebuilt
from kb.db_router import PIN_COOKIE, REPLICA, ReplicaRouter, reads_primary
from tests.factories import GroupFactory, UserFactory
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PROFILE = "/groups/islamic-state/"


@pytest.fixture(scope="module")
def replica_alias(django_db_setup):
    """A `replica` alias for this module's later tests, reading the test database. Module-wide, so that it exists
    when pytest-django sets each test up and `databases=` may name it; the tests before it run without one."""
    default = connections.settings["default"]
    connections.settings[REPLICA] = {**copy.deepcopy(default), "TEST": {**default["TEST"], "MIRROR": "default"}}
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def replica(replica_alias):
    db_router._replica_failed_at = None
    yield connections[REPLICA]
    db_router._replica_failed_at = None


@pytest.fixture
def unreachable_replica(replica):
    """The replica alias pointed at a port nothing listens on, for one test."""
    conf = connections.settings[REPLICA]
    kept = copy.deepcopy(conf)
    replica.close()
    del connections[REPLICA]
    conf.update(HOST="127.0.0.1", PORT=str(free_port()))
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]
    conf.clear()
    conf.update(kept)


# serialized_rollback, as the suite's other transactional tests: the flush that ends a test would otherwise leave the
# tests after it without the rows the migrations wrote (the roles).
with_replica = pytest.mark.django_db(transaction=True, serialized_rollback=True, databases=["default", REPLICA])


@pytest.fixture
def state():
    return GroupFactory(name="Islamic State", slug="islamic-state")


def page_queries(client, path: str, **extra) -> tuple[int, list[str], list[str]]:
    """The status, and the SQL the request sent to the primary and to the replica."""
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as replica:
        response = client.get(path, **extra)
    return response.status_code, [q["sql"] for q in primary.captured_queries], [q["sql"] for q in replica.captured_queries]


def primary_queries(client, path: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connections["default"]) as primary:
        response = client.get(path)
    return response.status_code, [q["sql"] for q in primary.captured_queries]


def mentions_groups(queries: list[str]) -> bool:
    return any('"groups_group"' in sql for sql in queries)


# Where a request reads: decided from the request alone.


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "user", "primary"),
    [
        ("get", PROFILE, None, False),
        ("head", "/api/v1/groups/", None, False),
        ("get", "/taxii2/", None, False),
        ("get", "/api/v1/groups.csv", "reader", False),  # signed in but not staff
        ("get", "/admin/", None, True),
        ("get", "/admin/groups/group/", "staff", True),
        ("get", PROFILE, "staff", True),
        ("post", PROFILE, None, True),
        ("put", "/api/v1/groups/", None, True),
    ],
)
def test_public_reads_may_go_to_the_replica_and_the_admin_staff_and_writes_never(method, path, user, primary):
    request = getattr(RequestFactory(), method)(path)
    if user is not None:
        request.user = UserFactory(username=user, is_staff=user == "staff")
    assert reads_primary(request) is primary


def test_outside_a_request_in_a_transaction_and_for_writes_the_primary_is_used():
    router = ReplicaRouter()
    assert router.db_for_read(Group) == "default"  # a management command, a migration, the shell
    assert router.db_for_write(Group) == "default"
    assert router.allow_migrate("default", "groups") is True and router.allow_migrate(REPLICA, "groups") is False
    token = db_router._request_reads.set(db_router._RequestReads(alias=REPLICA))  # a public request, already decided
    try:
        assert router.db_for_read(Group) == REPLICA
        assert router.db_for_write(Group) == "default"
    finally:
        db_router._request_reads.reset(token)


@pytest.mark.django_db
def test_a_read_inside_a_transaction_goes_to_the_primary():
    token = db_router._request_reads.set(db_router._RequestReads(alias=REPLICA))
    try:
        with transaction.atomic():
            assert ReplicaRouter().db_for_read(Group) == "default"  # it must see what the transaction wrote
    finally:
        db_router._request_reads.reset(token)


# Whole requests, with a replica alias.


@pytest.mark.django_db
def test_without_a_replica_every_query_goes_to_the_primary_as_before(client, state, django_assert_num_queries):
    assert REPLICA not in connections.settings
    client.get(PROFILE)  # fills the cache
    with django_assert_num_queries(1):  # the pinned count of a cached profile: the data version
        assert client.get(PROFILE).status_code == 200


@with_replica
def test_a_public_page_reads_from_the_replica(client, state, replica):
    status, primary, read = page_queries(client, PROFILE)
    assert status == 200
    assert mentions_groups(read) and not mentions_groups(primary)
    assert any("pg_last_wal_replay_lsn" in sql for sql in read)  # it asked whether the replica has caught up
    assert any("pg_current_wal_lsn" in sql for sql in primary)
    status, primary, read = page_queries(client, "/api/v1/groups/")
    assert status == 200 and mentions_groups(read) and not mentions_groups(primary)


@with_replica
def test_a_streamed_export_reads_from_the_replica_while_it_is_sent(client, state, replica):
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections[REPLICA]) as read:
        response = client.get("/api/v1/groups.csv")
        assert response.streaming and response.status_code == 200
        body = b"".join(response.streaming_content)
        response.close()
    assert b"Islamic State" in body
    assert mentions_groups([q["sql"] for q in read.captured_queries])
    assert not mentions_groups([q["sql"] for q in primary.captured_queries])
    assert db_router._request_reads.get() is None  # closing the response ended the request's choice


@with_replica
def test_staff_read_from_the_primary(client, state, replica):
    staff = UserFactory(username="editor", is_staff=True)
    client.force_login(staff)
    status, primary, read = page_queries(client, PROFILE)
    assert status == 200 and mentions_groups(primary) and read == []


@with_replica
def test_a_signed_in_user_who_writes_reads_the_primary_for_the_pin_and_the_replica_after(client, state, replica, settings):
    reader = UserFactory(username="reader", is_staff=False)
    client.force_login(reader)
    status, primary, read = page_queries(client, PROFILE)
    assert status == 200 and mentions_groups(read)  # not staff: the replica
    settings.REPLICA_PIN_SECONDS = 30
    cookie = client.post(PROFILE).cookies[PIN_COOKIE]  # any write of theirs (this one refused: 405)
    assert cookie["max-age"] == 30 and cookie["httponly"]
    status, primary, read = page_queries(client, "/groups/")
    assert status == 200 and mentions_groups(primary) and read == []  # pinned: their write may not be there yet


@with_replica
def test_an_expired_or_forged_pin_is_ignored(client, state, replica, settings, monkeypatch):
    settings.REPLICA_PIN_SECONDS = 5
    signer = signing.get_cookie_signer(salt=PIN_COOKIE + db_router._PIN_SALT)
    a_minute_ago = time.time() - 60
    monkeypatch.setattr(signing.time, "time", lambda: a_minute_ago)
    old = signer.sign("1")
    monkeypatch.undo()
    for value in (old, "1", "1:forged:signature"):
        client.cookies[PIN_COOKIE] = value
        status, primary, read = page_queries(client, PROFILE)
        assert status == 200 and mentions_groups(read) and not mentions_groups(primary), value
        caches["public"].clear()  # built again next time
        prebuilt.forget_all()
    client.cookies[PIN_COOKIE] = signer.sign("1")
    status, primary, read = page_queries(client, "/groups/?q=state")
    assert status == 200 and read == []  # a fresh pin holds


@with_replica
def test_an_anonymous_post_sets_no_pin(client, replica):
    assert PIN_COOKIE not in client.post("/groups/").cookies


@with_replica
def test_an_unreachable_replica_sends_reads_to_the_primary_logged_once_without_an_error(client, state, unreachable_replica, caplog):
    with caplog.at_level(logging.WARNING, logger="kb.db_router"):
        status, primary = primary_queries(client, PROFILE)
        assert status == 200 and mentions_groups(primary)
        assert unreachable_replica.connection is None
        status, primary = primary_queries(client, "/api/v1/groups/")  # within REPLICA_RETRY_SECONDS: not tried again
        assert status == 200 and mentions_groups(primary)
    warnings = [r.getMessage() for r in caplog.records if r.name == "kb.db_router"]
    assert len(warnings) == 1 and "does not answer" in warnings[0]


@with_replica
def test_after_the_retry_time_the_replica_is_asked_again(client, state, replica, settings):
    settings.REPLICA_RETRY_SECONDS = 0
    db_router._replica_failed_at = time.monotonic()  # it failed a moment ago
    status, primary, read = page_queries(client, PROFILE)
    assert status == 200 and mentions_groups(read)


# Settings.


def _databases(**env: str) -> dict | str:
    code = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.DATABASES))"
    clean = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "kb.settings.production",
        "SECRET_KEY": "k" * 30 + "-Zq8#pL2@vX9!mR4$tY7",
        "ALLOWED_HOSTS": "kb.example.org",
        "DATABASE_URL": "postgres://u:p@db:5432/kb",
        **env,
    }
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    return result.stderr if result.returncode else json.loads(result.stdout)


def test_database_replica_url_adds_a_replica_alias_mirrored_in_tests_and_its_absence_none():
    assert set(_databases()) == {"default"}
    aliases = _databases(DATABASE_REPLICA_URL="postgres://reader:p@db-replica:5432/kb")
    replica = aliases[REPLICA]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("db-replica", "reader", "kb")
    assert replica["TEST"]["MIRROR"] == "default" and replica["OPTIONS"]["connect_timeout"] == 2
    assert "random_page_cost" in replica["OPTIONS"]["options"]  # the same session settings as the primary
    assert "DATABASE_REPLICA_URL must point to a PostgreSQL" in _databases(DATABASE_REPLICA_URL="mysql://x@y/kb")
    assert "REPLICA_PIN_SECONDS must be a whole number" in _databases(REPLICA_PIN_SECONDS="soon")
    # The suite has none: its tests write inside transactions a second connection would not see.
    assert set(_databases(DJANGO_SETTINGS_MODULE="kb.settings.test", DATABASE_REPLICA_URL="postgres://r@db-replica/kb")) == {"default"}


@with_replica
@pytest.mark.parametrize("path", ["/api/v1/groups/", "/groups/"])
def test_a_list_read_on_the_replica_is_built_again_when_a_record_joins_it(client, state, replica, path):
    """A list depends on the tables its SQL reads (`kb.cache`), seen by a query wrapper: on the replica's connection
    as well as the primary's, or a list built from the replica never shows a record added after it was cached."""
    status, primary, read = page_queries(client, path)
    assert status == 200 and mentions_groups(read) and not mentions_groups(primary)
    assert "groups.group" in client.get(path)["Surrogate-Key"].split()  # its list tag; the second answer a hit
    GroupFactory(name="Another Front", slug="another-front")
    again = client.get(path)
    assert again["X-Cache"] == "MISS" and "another-front" in again.content.decode()
