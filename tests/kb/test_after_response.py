"""A page kept in the cache is written once its response has gone (`kb.cache.after_response`): the reader who missed
does not wait for the cache's write, and those waiting on the build's lock get the page as soon as it is kept."""

import contextlib
import logging

import pytest
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from kb import cache as kb_cache
from kb.cache import after_response, bump_data_version, request_began, run_after_response
from tests.kb.test_cache import state  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
PATH = "/api/v1/groups/"


@pytest.fixture(autouse=True)
def _no_request_left():
    yield
    kb_cache._after_response.set(None)


@contextlib.contextmanager
def served():
    """Requests answered by Django's WSGI handler, as gunicorn calls it, inside the test's transaction: as the test
    client does, without closing the connection at each request's start and end."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def send(handler, path: str = PATH, **headers):
    """The response as a WSGI server gets it, and its body, sent but not yet closed."""
    statuses = []
    response = handler(RequestFactory()._base_environ(PATH_INFO=path, **headers), lambda status, headers: statuses.append(status))
    return response, b"".join(response), statuses[0]


def kept() -> tuple[list[str], list[str]]:
    """The pages the public cache holds, and the build locks it holds."""
    keys = [key.split(":", 2)[-1] for key in caches["public"]._cache]
    return [key for key in keys if key.startswith("public:")], [key for key in keys if key.startswith("building:")]


def test_a_missed_page_is_sent_before_it_is_kept_and_kept_once_sent(state):  # noqa: F811
    with served() as handler:
        response, body, status = send(handler)
        assert status.startswith("200") and b"Islamic State" in body and response["X-Cache"] == "MISS"
        pages, locks = kept()
        assert pages == [] and len(locks) == 1  # sent, not yet kept; the build still holds its lock
        response.close()  # what the server does once the body has gone
        pages, locks = kept()
        assert len(pages) == 1 and locks == []
        again, again_body, _ = send(handler)
        again.close()
    assert again["X-Cache"] == "HIT" and again_body == body


def test_a_page_answered_304_is_kept_and_its_lock_released(state):  # noqa: F811
    """ConditionalGetMiddleware answers a fresh build whose ETag the client holds with a new 304 response: the work
    left by the page's build is done when that one closes."""
    with served() as handler:
        first, _, _ = send(handler)
        first.close()
        bump_data_version()  # stale: the next request builds the page again
        response, body, status = send(handler, HTTP_IF_NONE_MATCH=first["ETag"])
        assert status.startswith("304") and body == b""
        response.close()
        assert kept()[1] == []
        again, _, _ = send(handler)
        again.close()
    assert again["X-Cache"] == "HIT"


def test_work_is_left_for_after_the_response_only_while_one_is_served():
    done = []
    after_response(lambda: done.append("at once"))  # outside a request: a command, a view called directly
    assert done == ["at once"]
    request_began()
    after_response(lambda: done.append("first"))
    after_response(lambda: done.append("second"))
    assert done == ["at once"]
    run_after_response()
    assert done == ["at once", "first", "second"]
    after_response(lambda: done.append("after the request"))  # the request is over: at once
    assert done[-1] == "after the request"


def test_work_left_by_a_response_never_closed_is_done_when_the_next_request_begins():
    done = []
    request_began()
    after_response(lambda: done.append("left"))
    request_began()
    assert done == ["left"]
    run_after_response()
    assert done == ["left"]


def test_a_failure_after_the_response_is_logged_and_the_rest_still_done(caplog):
    done = []

    def failing():
        raise OSError("disk full")

    request_began()
    after_response(failing)
    after_response(lambda: done.append("released"))
    with caplog.at_level(logging.ERROR, logger="kb.cache"):
        run_after_response()
    assert done == ["released"] and "disk full" in caplog.text
