"""With REDIS_URL, every app server shares the page cache and the throttles' counters in Redis; a Redis that does not
answer makes pages uncached and the throttles open, never an error. The tests marked `redis` start a server of
their own (tests/redis_server.py)."""

import json
import logging
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.core.cache.backends.filebased import FileBasedCache
from django.test import override_settings

from kb import throttling
from kb.cache_backends import FileCache, SharedRedisCache
from tests.factories import AliasFactory, GroupFactory
from tests.redis_server import RedisServer, free_port

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def redis_caches(url: str) -> dict:
    shared = {"BACKEND": "kb.cache_backends.SharedRedisCache", "LOCATION": url, "OPTIONS": TIMEOUTS}
    return {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "public": {**shared, "KEY_PREFIX": "kb-public"},
        "throttle": {**shared, "KEY_PREFIX": "kb-throttle"},
    }


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def state():
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="Daesh")
    return group


def settings_caches(*, expect_ok: bool = True, **env: str) -> dict:
    """The caches the production settings configure in this environment (read in a process of their own)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
    clean.update(
        DJANGO_SETTINGS_MODULE="kb.settings.production",
        SECRET_KEY="k" * 30 + "-Zq8#pL2@vX9!mR4$tY7",
        ALLOWED_HOSTS="kb.example.org",
        DATABASE_URL="postgres://u:p@db:5432/kb",
        **env,
    )
    code = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert result.returncode == 0 or not expect_ok, result.stderr
    return json.loads(result.stdout) if result.returncode == 0 else {"error": result.stderr}


def test_with_redis_url_the_page_cache_and_the_throttles_use_redis_and_without_it_folders():
    shared = settings_caches(REDIS_URL="redis://cache:6379/1")
    assert {shared[alias]["BACKEND"] for alias in ("public", "throttle")} == {"kb.cache_backends.SharedRedisCache"}
    assert shared["public"]["LOCATION"] == "redis://cache:6379/1" and shared["public"]["KEY_PREFIX"] != shared["throttle"]["KEY_PREFIX"]
    alone = settings_caches()
    assert {alone[alias]["BACKEND"] for alias in ("public", "throttle")} == {"kb.cache_backends.FileCache"}
    assert alone["public"]["LOCATION"] != alone["throttle"]["LOCATION"]
    assert "REDIS_URL must be a Redis address" in settings_caches(REDIS_URL="cache:6379", expect_ok=False)["error"]


def test_a_redis_that_does_not_answer_is_a_miss_logged_once_not_an_error(client, state, caplog, django_assert_num_queries):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    cache = SharedRedisCache(url, {"OPTIONS": TIMEOUTS})
    with caplog.at_level(logging.WARNING, logger="kb.cache_backends"):
        assert cache.get("k", "default") == "default" and cache.set("k", 1) is None and cache.count("k", 60) is None
        assert cache.get_many(["a", "b"]) == {} and cache.incr("k") is None and cache.add("k", 1) is False
    assert len(caplog.records) == 1 and "did not answer" in caplog.records[0].getMessage()
    with override_settings(CACHES=redis_caches(url)):
        first = client.get("/groups/islamic-state/")
        again = client.get("/groups/islamic-state/")  # built again: nothing was kept, nothing failed
        assert first.status_code == again.status_code == 200 and first.content == again.content
        assert client.get("/api/v1/groups/").status_code == 200  # the throttle lets requests through


@pytest.mark.redis
def test_pages_are_kept_in_redis_and_served_from_it(client, state, redis_server, django_assert_num_queries):
    with override_settings(CACHES=redis_caches(redis_server.url)):
        first = client.get("/groups/islamic-state/")
        with django_assert_num_queries(1):  # the data version: nothing written since
            again = client.get("/groups/islamic-state/")
        assert again.content == first.content and again["ETag"] == first["ETag"]
    assert redis.Redis.from_url(redis_server.url).keys("kb-public:*")


@pytest.mark.redis
def test_with_redis_stopped_pages_are_served_uncached_with_no_error(client, state, redis_server, caplog):
    with override_settings(CACHES=redis_caches(redis_server.url)):
        cached = client.get("/groups/islamic-state/")
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="kb.cache_backends"):
            for path in ("/groups/islamic-state/", "/search/?q=daesh", "/api/v1/groups/", "/api/v1/groups/islamic-state/"):
                assert client.get(path).status_code == 200, path
        assert client.get("/groups/islamic-state/").content == cached.content
    assert any("did not answer" in record.getMessage() for record in caplog.records)


def _count_in_another_process(url, times, results):
    cache = SharedRedisCache(url, {"OPTIONS": TIMEOUTS})  # a client and connection pool of its own
    results.put([cache.count("k", 60) for _ in range(times)])


@pytest.mark.redis
def test_processes_count_in_one_store(redis_server):
    """Four processes, as four workers or two servers of two: every count lands once."""
    context = multiprocessing.get_context("fork")  # the children talk to Redis only, never to the database
    results = context.Queue()
    workers = [context.Process(target=_count_in_another_process, args=(redis_server.url, 50, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    counted = sorted(value for _ in workers for value in results.get(timeout=60))
    for worker in workers:
        worker.join()
    assert counted == list(range(1, 201))
    assert 0 < redis.Redis.from_url(redis_server.url).ttl(":1:k") <= 60  # the counter expires


@pytest.mark.redis
def test_a_client_throttled_on_one_server_is_throttled_on_the_other(redis_server):
    node_a, node_b = (SharedRedisCache(redis_server.url, {"OPTIONS": TIMEOUTS, "KEY_PREFIX": "kb-throttle"}) for _ in range(2))
    verdicts = [throttling.hit("anon", "192.0.2.1", 10, 60, now=6000.0 + n, cache=node) for n, node in enumerate([node_a, node_b] * 10)]
    assert sum(verdict.allowed for verdict in verdicts) == 10
    assert [verdict.allowed for verdict in verdicts[:10]] == [True] * 10


@pytest.mark.redis
def test_the_api_throttle_holds_across_servers(client, redis_server, monkeypatch):
    GroupFactory()
    monkeypatch.setattr(throttling.ApiThrottle, "THROTTLE_RATES", {"anon": "3/minute", "export": "3/minute"})
    with override_settings(CACHES=redis_caches(redis_server.url)):
        statuses = [client.get("/api/v1/groups/").status_code for _ in range(3)]
    with override_settings(CACHES=redis_caches(redis_server.url)):  # another server: new connections to the same Redis
        statuses.append(client.get("/api/v1/groups/").status_code)
    assert statuses == [200, 200, 200, 429]


def test_the_file_cache_keeps_entries_uncompressed_and_reads_django_s_as_misses(tmp_path):
    """A hit reads the page as written: no inflating of 100 KB on each one. A folder left by Django's backend, which
    compresses, costs misses, never an error."""
    cache = FileCache(str(tmp_path), {})
    page = "<p>" + "Islamic State " * 2000 + "</p>"
    cache.set("page", page, 60)
    assert cache.get("page") == page
    (path,) = (tmp_path / name for name in os.listdir(tmp_path) if name.endswith(".djcache"))
    assert page.encode() in path.read_bytes()  # as written, readable without zlib
    assert cache.touch("page", 120) is True and cache.get("page") == page
    assert cache.touch("absent", 120) is False

    FileBasedCache(str(tmp_path), {}).set("page", page, 60)
    assert cache.get("page") is None and cache.get("page", "default") == "default"


def test_the_file_cache_replaces_an_entry_and_leaves_nothing_behind_a_failed_write(tmp_path):
    """A new entry replaces the old one without renaming over it (ext4 flushes a file renamed over another); a write
    that fails keeps the old entry and leaves no file of its own."""
    cache = FileCache(str(tmp_path), {})
    cache.set("page", "first", 60)
    cache.set("page", "second", 60)
    assert cache.get("page") == "second" and len(os.listdir(tmp_path)) == 1

    class Unpicklable:
        def __reduce__(self):
            raise TypeError("cannot be kept")

    with pytest.raises(TypeError):
        cache.set("page", Unpicklable(), 60)
    assert cache.get("page") == "second" and len(os.listdir(tmp_path)) == 1
    assert cache.count("requests", 60) == 1 and cache.count("requests", 60) == 2
