"""Concurrent misses of one page build it once: the first takes a lock in the cache (its atomic add), the others wait
for its entry; a lock that is not released in time, or a store that cannot say, never keeps a page from being served."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings

from kb import cache as kb_cache
from kb.cache import build_lock, cached_response
from kb.cache_backends import FileCache, SharedRedisCache
from tests.kb.test_cache import committed, state  # noqa: F401 (a fixture)
from tests.kb.test_shared_cache import TIMEOUTS, redis_caches
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db
KEY = "public:a-page"


class Builder:
    """A page's build that counts how often it ran, and takes `seconds` (other requests miss meanwhile)."""

    def __init__(self, seconds=0.0, status=200):
        self.seconds, self.status, self.runs = seconds, status, 0
        self.event = threading.Event()

    def __call__(self):
        self.runs += 1
        self.event.wait(self.seconds)
        return HttpResponse(f"built {self.runs}", status=self.status)


@committed
def test_concurrent_misses_of_one_page_build_it_once():
    builder, requests = Builder(seconds=0.5), 6
    barrier = threading.Barrier(requests)

    def request():
        try:
            barrier.wait()
            response = cached_response(KEY, builder)
            return response.status_code, response.content
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=requests) as pool:
        answers = list(pool.map(lambda _: request(), range(requests)))
    assert builder.runs == 1
    assert answers == [(200, b"built 1")] * requests
    assert not caches["public"].has_key(kb_cache._lock_key(KEY))  # released once built


def test_a_request_waits_no_longer_than_the_limit_for_a_build_that_does_not_finish(monkeypatch):
    monkeypatch.setattr(kb_cache, "BUILD_WAIT_SECONDS", 0.2)
    assert build_lock(KEY) is True  # another worker's build, stuck
    builder = Builder()
    assert cached_response(KEY, builder).content == b"built 1" and builder.runs == 1
    assert build_lock(KEY) is False  # the waiting request did not free another's lock


def test_when_the_build_it_waited_for_keeps_nothing_a_request_builds_the_page_itself(monkeypatch):
    assert build_lock(KEY) is True
    released = threading.Timer(0.1, caches["public"].delete, [kb_cache._lock_key(KEY)])  # that build answered an error
    released.start()
    builder = Builder()
    try:
        assert cached_response(KEY, builder).content == b"built 1" and builder.runs == 1
    finally:
        released.join()


def test_a_waiting_request_looks_again_soon_then_less_often(monkeypatch):
    """A build's entry is written just after its response has gone: a request that came in meanwhile looks again
    within milliseconds rather than sleeping a whole poll, and less often the longer the build takes."""
    assert build_lock(KEY) is True  # another worker's build
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 8:
            caches["public"].delete(kb_cache._lock_key(KEY))  # built and kept, at last

    monkeypatch.setattr(kb_cache.time, "sleep", sleep)
    monkeypatch.setattr(kb_cache, "BUILD_WAIT_SECONDS", 3600)
    assert kb_cache.wait_for_build(KEY) is None  # it kept nothing: the request builds the page itself
    assert pauses == [0.002, 0.004, 0.008, 0.016, 0.032, 0.05, 0.05, 0.05]


def test_a_failed_build_releases_its_lock():
    def failing():
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        cached_response(KEY, failing)
    assert build_lock(KEY) is True  # free again: the next request builds at once


def test_a_page_not_kept_releases_its_lock_and_the_next_request_builds_again():
    builder = Builder(status=503)
    assert [cached_response(KEY, builder).status_code for _ in range(2)] == [503, 503]
    assert builder.runs == 2 and build_lock(KEY) is True


def test_with_redis_unreachable_nobody_waits_for_a_lock(client, state, monkeypatch):  # noqa: F811
    url = f"redis://127.0.0.1:{free_port()}/0"
    assert SharedRedisCache(url, {"OPTIONS": TIMEOUTS}).acquire("k", 10) is None  # cannot say, not "taken"

    def never(key):
        raise AssertionError("waited for a build no lock stood for")

    monkeypatch.setattr(kb_cache, "wait_for_build", never)
    with override_settings(CACHES=redis_caches(url)):
        assert [client.get("/groups/islamic-state/").status_code for _ in range(2)] == [200, 200]


def test_the_file_cache_lock_is_taken_once_until_released_or_expired(tmp_path):
    one, other = (FileCache(str(tmp_path), {}) for _ in range(2))  # two workers sharing the folder
    assert one.acquire("building:k", 30) is True
    assert other.acquire("building:k", 30) is False
    one.delete("building:k")
    assert other.acquire("building:k", 30) is True
    assert one.acquire("building:expiring", -1) is True and other.acquire("building:expiring", 30) is True  # expired at once
