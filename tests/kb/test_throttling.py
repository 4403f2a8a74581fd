"""Throttles that hold: counted per client in one store that every worker shares, a sliding window, and a 429 that
says when to come back."""

import multiprocessing

import pytest
from django.core.cache import caches
from django.test import override_settings

from kb import cache_backends, throttling
from kb.cache_backends import FileCache
from kb.rates import parse_rate
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rate, parsed", [("600/minute", (600, 60)), ("5/s", (5, 1)), ("1/hour", (1, 3600)), ("10/d", (10, 86400))])
def test_rates_read_as_drf_reads_them(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["600", "ten/minute", "5/fortnight", "/minute", "-1/minute"])
def test_a_rate_that_is_not_one_is_refused_with_its_form(rate):
    with pytest.raises(ValueError, match="such as 120/minute"):
        parse_rate(rate)


def test_the_window_slides_so_the_turn_of_a_minute_does_not_double_the_rate():
    start = 1_000_000 * 60 + 50  # ten seconds before a minute turns
    assert all(throttling.hit("t", "client", 10, 60, now=start + n * 0.1).allowed for n in range(10))
    assert not throttling.hit("t", "client", 10, 60, now=start + 9).allowed  # the eleventh, in the same minute
    # Just after the turn the previous minute's eleven still weigh 59/60 of their count.
    refused = throttling.hit("t", "client", 10, 60, now=start + 11)
    assert not refused.allowed and 1 <= refused.retry_after <= 60
    assert throttling.hit("t", "someone-else", 10, 60, now=start + 11).allowed  # per client
    assert throttling.hit("t", "client", 10, 60, now=start + 11 + refused.retry_after + 1.5).allowed  # as told


@override_settings(EXPENSIVE_PAGE_RATE="3/minute")
def test_expensive_pages_built_afresh_are_throttled_with_a_readable_429(client):
    GroupFactory(slug="islamic-state")
    statuses = [client.get("/search/", {"q": f"name {n}"}).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/groups/islamic-state/changes/")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "Too many requests" in response.content.decode() and "try again in" in response.content.decode()
    assert client.get("/groups/islamic-state/").status_code == 200  # a profile is not one of them
    assert client.get("/search/", {"q": "name 0"}).status_code == 200  # served from the cache: never refused
    assert client.get("/search/", {"q": "name 1"}, REMOTE_ADDR="192.0.2.9").status_code == 200  # another client


def test_api_csv_exports_have_their_own_rate(client, monkeypatch):
    monkeypatch.setattr(throttling.ExportThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "export": "2/minute"})
    statuses = [client.get("/api/v1/groups/", {"format": "csv"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/groups/").status_code == 200


def _count_in_another_process(directory, key, times, results):
    cache = FileCache(str(directory), {})
    results.put([cache.count(key, 60) for _ in range(times)])


def test_the_file_store_counts_every_request_of_every_worker(tmp_path):
    """Four processes counting at once in one folder, as four gunicorn workers do: no count is lost."""
    context = multiprocessing.get_context("fork")  # the children touch the folder only, never the database
    results = context.Queue()
    workers = [context.Process(target=_count_in_another_process, args=(tmp_path, "k", 50, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    counted = sorted(value for _ in workers for value in results.get(timeout=60))
    for worker in workers:
        worker.join()
    assert counted == list(range(1, 201))  # every value given once: no two workers saw the same count


def test_the_file_store_keeps_a_counters_first_expiry(tmp_path, monkeypatch):
    cache = FileCache(str(tmp_path), {})
    now = [1000.0]
    monkeypatch.setattr(cache_backends.time, "time", lambda: now[0])
    assert cache.count("k", 10) == 1
    now[0] += 6
    assert cache.count("k", 10) == 2
    now[0] += 5  # eleven seconds after the first count: a new window, whatever the second count did
    assert cache.count("k", 10) == 1


def test_the_file_store_counts_in_place_in_one_file(tmp_path):
    """A count reads and rewrites one small file, rather than writing two entries and moving them in."""
    cache = FileCache(str(tmp_path), {})
    assert cache.count("k", 60) == 1
    (counter,) = (path for path in tmp_path.iterdir() if path.name != FileCache.LOCK_NAME)
    first = counter.stat().st_ino
    assert [cache.count("k", 60) for _ in range(3)] == [2, 3, 4]
    assert counter.stat().st_ino == first and sorted(tmp_path.iterdir()) == sorted([counter, tmp_path / FileCache.LOCK_NAME])
    assert cache.get("k") == 4  # as any entry: the throttles read the previous window's count so
    counter.write_bytes(b"not a counter")
    assert cache.count("k", 60) == 1  # unreadable: counted afresh


def test_the_file_cache_looks_at_its_folder_once_every_so_many_writes(tmp_path, monkeypatch):
    cache = FileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 5, "CULL_FREQUENCY": 2, "CULL_EVERY": 10}})
    listings = []
    original = FileCache._list_cache_files
    monkeypatch.setattr(FileCache, "_list_cache_files", lambda self: listings.append(1) or original(self))
    for n in range(30):
        cache.set(f"k{n}", n)
    assert len(listings) == 3  # the 1st, 11th and 21st writes
    assert len(original(cache)) < 30  # and it was culled when it looked


def test_the_test_suite_counts_in_its_own_store():
    assert caches[throttling.CACHE_ALIAS] is not caches["default"]
