"""Throttles that hold however many workers and servers answer: each client's requests are counted in one shared
store (the `throttle` cache: Redis when `REDIS_URL` is set, else a folder every worker of the machine shares).

The count is a sliding window, estimated from two fixed ones as CDNs do: the requests of this window, plus those of
the previous one weighted by how much of it the sliding window still covers. So a client cannot double its rate
across the turn of a minute, and two counters per client are all that is kept.

If the store cannot be reached, requests are let through (and the backend logs it): the throttles protect the
site's capacity, and refusing every reader while Redis is down would be the outage they exist to prevent. The
login lockout (django-axes) does not depend on it: it counts in the database.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from rest_framework.throttling import AnonRateThrottle

from .rates import parse_rate
from .security import client_ip_address

CACHE_ALIAS = "throttle"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds, when refused


def count(cache, key: str, timeout: int) -> int | None:
    """One more request under `key`; the backends in `kb.cache_backends` count atomically across processes, and a
    local-memory cache (the test suite's) within one."""
    if hasattr(cache, "count"):
        return cache.count(key, timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout)
        return 1


def hit(scope: str, ident: str, limit: int, period: int, *, now: float | None = None, cache=None) -> Verdict:
    """Count a request of `ident` in `scope`, and say whether it stays within `limit` requests per `period` seconds
    (counted in the `throttle` cache, or `cache`)."""
    cache = caches[CACHE_ALIAS] if cache is None else cache
    now = time.time() if now is None else now
    window, elapsed = divmod(now, period)
    current = count(cache, f"{scope}:{ident}:{int(window)}", 2 * period)  # the next window weighs it too
    if current is None:  # the store did not answer: let the request through
        return Verdict(True)
    previous = cache.get(f"{scope}:{ident}:{int(window) - 1}") or 0
    estimate = previous * (1 - elapsed / period) + current
    if estimate <= limit:
        return Verdict(True)
    # How long until one more request fits, if the client waits (a refused request counts too: hammering keeps it out).
    room = limit - 1
    if current <= room:  # the previous window's share has to shrink
        wait = period * (1 - (room - current) / previous) - elapsed
    else:  # this window's requests, weighed as the previous ones in the next
        wait = period - elapsed + period * (1 - room / current)
    return Verdict(False, retry_after=max(1, math.ceil(wait)))


class ApiThrottle(AnonRateThrottle):
    """The API's per-client rate (`API_ANONYMOUS_RATE`), counted in the shared store by the address
    `kb.security.client_ip_address` gives, as the login lockout is."""

    retry_after: int | None = None

    def allow_request(self, request, view):
        ident = client_ip_address(request)
        if self.rate is None or ident is None:
            return True
        verdict = hit(self.scope, ident, self.num_requests, self.duration)
        self.retry_after = verdict.retry_after
        return verdict.allowed

    def wait(self):
        return self.retry_after


class ExportThrottle(ApiThrottle):
    """CSV exports stream a whole filtered list: their own, lower rate (`API_EXPORT_RATE`)."""

    scope = "export"


def page_throttle(request):
    """None while the client stays within `EXPENSIVE_PAGE_RATE` for the site's costly pages (searches, versions,
    change logs, lists) built afresh; else the 429 page, saying when to come back."""
    ident = client_ip_address(request)
    if ident is None or not settings.EXPENSIVE_PAGE_RATE:
        return None
    limit, period = parse_rate(settings.EXPENSIVE_PAGE_RATE)
    verdict = hit("pages", ident, limit, period)
    if verdict.allowed:
        return None
    response = render(request, "429.html", {"retry_after": verdict.retry_after}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response
