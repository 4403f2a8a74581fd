"""Hostile input to the site, the API and the admin: never a 500, always a clear 4xx, a form error, or a 200 that says
plainly that nothing matches. Each case is named after what it tries."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from groups.models import Group
from tests.admin.page_forms import form_data
from tests.factories import AliasFactory, AttackFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db

NOTHING_MATCHES = "Nothing published matches"
NO_GROUP_MATCHES = "No published group matches these filters"
LONG = "a" * 10_000
MIXED_SCRIPTS = "داعش Daesh 🕌 دولة Islamic"
SQL = "' OR 1=1 --"
HTML = '"><img src=x onerror=alert(1)>'
TRAVERSAL = "..%2F..%2F..%2Fetc%2Fpasswd"
HUGE_NUMBER = "9" * 30


@dataclass(frozen=True)
class Case:
    path: str
    params: dict = field(default_factory=dict)
    status: int | tuple[int, ...] = 200
    says: str = ""  # the answer explains itself with these words
    hides: str = ""  # a record that a search or filter must not match (a wildcard matching everything would show it)


@pytest.fixture(autouse=True)
def published_records():
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="Daesh")
    AttackFactory(title="Attack on the police college in Quetta", slug="quetta-police-college")
    CitationFactory(group=group, source=SourceFactory(slug="dawn-article", title="Dawn article"))


def check(response, case: Case) -> None:
    expected = case.status if isinstance(case.status, tuple) else (case.status,)
    assert response.status_code in expected, f"{case.path} {case.params} answered {response.status_code}"
    body = response.content.decode()
    if case.says:
        assert case.says in body, body[:2000]
    if response.status_code >= 400:
        assert body.strip(), "an error says why"


SITE = [
    pytest.param(Case("/groups/", {"page": "-1"}), id="groups-negative-page"),
    pytest.param(Case("/groups/", {"page": HUGE_NUMBER}), id="groups-huge-page"),
    pytest.param(Case("/groups/", {"page": "1e9"}), id="groups-page-in-exponent-notation"),
    pytest.param(Case("/groups/", {"page": "²"}), id="groups-page-superscript-digit"),
    pytest.param(Case("/groups/", {"status": "<script>alert(1)</script>"}, 400, "Select a valid choice"), id="groups-status-html"),
    pytest.param(Case("/groups/", {"active_in": HUGE_NUMBER}, 400), id="groups-active-in-huge-year"),
    pytest.param(Case("/groups/", {"active_in": "-2016"}, 400), id="groups-active-in-negative-year"),
    pytest.param(Case("/groups/", {"active_in": "2016.5"}, 400), id="groups-active-in-fractional-year"),
    pytest.param(Case("/groups/", {"active_in": "NaN"}, 400), id="groups-active-in-nan"),
    pytest.param(Case("/groups/", {"ordering": "password"}, 400), id="groups-ordering-unknown-field"),
    pytest.param(Case("/groups/", {"ordering": "name; DROP TABLE groups_group"}, 400), id="groups-ordering-sql"),
    pytest.param(Case("/groups/", {"ordering": ",,,"}, 400), id="groups-ordering-empty-items"),
    pytest.param(Case("/groups/", {"country": "XX"}, 400), id="groups-unknown-country"),
    pytest.param(Case("/groups/", {"related_to": "../../etc/passwd"}, 200, NO_GROUP_MATCHES), id="groups-related-to-traversal"),
    pytest.param(Case("/groups/", {"related_to": HUGE_NUMBER}, 200, NO_GROUP_MATCHES), id="groups-related-to-huge-id"),
    pytest.param(Case("/groups/", {"q": "%"}, 200, NO_GROUP_MATCHES), id="groups-q-like-percent"),
    pytest.param(Case("/groups/", {"q": "_"}, 200, NO_GROUP_MATCHES), id="groups-q-like-underscore"),
    pytest.param(Case("/groups/", {"q": SQL}, 200, NO_GROUP_MATCHES), id="groups-q-sql"),
    pytest.param(Case("/groups/", {"q": "\x00"}, 400, "NUL character"), id="groups-q-nul"),
    pytest.param(Case("/groups/", {"status\x00": "active"}, 400, "NUL character"), id="groups-nul-in-parameter-name"),
    pytest.param(Case("/attacks/", {"date_after": "2016-13-45"}, 400, "Enter a valid date"), id="attacks-impossible-date"),
    pytest.param(Case("/attacks/", {"date_after": "2015-02-29"}, 400, "Enter a valid date"), id="attacks-not-a-leap-year"),
    pytest.param(Case("/attacks/", {"date_before": "yesterday"}, 400, "Enter a valid date"), id="attacks-date-in-words"),
    pytest.param(Case("/attacks/", {"date_after": "0000-01-01"}, 400, "Enter a valid date"), id="attacks-year-zero"),
    pytest.param(Case("/attacks/", {"date_after": "99999-01-01"}, 400, "Enter a valid date"), id="attacks-five-digit-year"),
    pytest.param(Case("/attacks/", {"year": "MMXVI"}, 400), id="attacks-year-in-roman-numerals"),
    pytest.param(Case("/attacks/", {"updated_since": "not-a-moment"}, 400), id="attacks-updated-since-garbage"),
    pytest.param(Case("/attacks/", {"updated_since": "0001-01-01T00:00:00+23:59"}, 400), id="attacks-updated-since-before-year-one"),
    pytest.param(Case("/attacks/", {"q": LONG}, (200, 400)), id="attacks-q-10k-characters"),
    pytest.param(Case("/attacks/", {"q": "%_%"}, 200, hides="police college"), id="attacks-q-like-wildcards"),
    pytest.param(Case("/search/", {"q": LONG}, 400, "Searches are limited to 200 characters"), id="search-10k-characters"),
    pytest.param(Case("/search/", {"q": SQL}, 200, NOTHING_MATCHES, hides="Islamic State"), id="search-sql"),
    pytest.param(Case("/search/", {"q": "%"}, 200, NOTHING_MATCHES, hides="Islamic State"), id="search-like-percent"),
    pytest.param(Case("/search/", {"q": "_"}, 200, NOTHING_MATCHES, hides="Islamic State"), id="search-like-underscore"),
    pytest.param(Case("/search/", {"q": "%%%%"}, 200, NOTHING_MATCHES, hides="Islamic State"), id="search-like-percent-run"),
    pytest.param(Case("/search/", {"q": "i_l_m_c"}, 200, NOTHING_MATCHES, hides="Islamic State"), id="search-like-underscore-inside-word"),
    pytest.param(Case("/search/", {"q": HTML}, 200, NOTHING_MATCHES, hides="Islamic State"), id="search-html"),
    pytest.param(Case("/search/", {"q": MIXED_SCRIPTS}, 200), id="search-arabic-latin-emoji"),
    pytest.param(Case("/search/", {"q": "Ｉｓｌａｍｉｃ　Ｓｔａｔｅ"}, 200, "Islamic State"), id="search-fullwidth-letters-fold"),
    pytest.param(Case("/search/", {"q": "I\u0301slamic State"}, 200, "Islamic State"), id="search-combining-accent-folds"),
    pytest.param(Case("/search/", {"q": "\u202eetatS cimalsI"}, 200), id="search-right-to-left-override"),
    pytest.param(Case("/search/", {"q": "Is\u200blamic"}, 200), id="search-zero-width-space"),
    pytest.param(Case("/search/", {"q": "\ufeff\u00a0\u2003"}, 200), id="search-only-invisible-spaces"),
    pytest.param(Case("/search/", {"q": "\x00"}, 400, "NUL character"), id="search-nul"),
    pytest.param(Case("/search/?q=%ED%A0%80%FF"), id="search-invalid-utf8"),
    pytest.param(Case("/groups/" + TRAVERSAL + "/", status=404), id="group-slug-traversal"),
    pytest.param(Case("/groups/" + "a" * 5000 + "/", status=404), id="group-slug-overlong"),
    pytest.param(Case("/groups/%D8%AF%D8%A7%D8%B9%D8%B4/", status=404), id="group-slug-arabic"),
    pytest.param(Case("/groups/islamic-state%00/", status=(400, 404)), id="group-slug-nul"),
    pytest.param(Case("/groups/islamic-state/%00", status=400, says="NUL character"), id="path-ends-in-nul"),
    pytest.param(Case("/attacks/" + HUGE_NUMBER + "/", status=404), id="attack-id-out-of-range"),
    pytest.param(Case("/attacks/-1/", status=404), id="attack-id-negative"),
    pytest.param(Case("/attacks/²/", status=404), id="attack-id-superscript-digit"),
    pytest.param(Case("/attacks/" + TRAVERSAL + "/", status=404), id="attack-key-traversal"),
    pytest.param(Case("/attacks/%00/", status=400, says="NUL character"), id="attack-key-nul"),
    pytest.param(Case("/sources/" + "x" * 5000 + "/", status=404), id="source-key-overlong"),
    pytest.param(Case("/sources/dawn-article%00/", status=400, says="NUL character"), id="source-key-nul"),
    pytest.param(Case("/sources/" + SQL + "/", status=404), id="source-key-sql"),
]


@pytest.mark.parametrize("case", SITE)
def test_site(client, case):
    response = client.get(case.path, case.params)
    check(response, case)
    if case.hides:
        assert case.hides not in response.content.decode().split("<main", 1)[1]


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


API = [
    pytest.param(Case("/api/v1/groups/", {"page": "-1"}, 400, "page"), id="api-negative-page"),
    pytest.param(Case("/api/v1/groups/", {"page": "0"}, 400, "page"), id="api-page-zero"),
    pytest.param(Case("/api/v1/groups/", {"page": HUGE_NUMBER}, 404, "Invalid page"), id="api-page-past-the-end"),
    pytest.param(Case("/api/v1/groups/", {"page": "last; DROP TABLE"}, 400, "page"), id="api-page-sql"),
    pytest.param(Case("/api/v1/groups/", {"page_size": "-5"}, 400, "page_size"), id="api-negative-page-size"),
    pytest.param(Case("/api/v1/groups/", {"page_size": HUGE_NUMBER}), id="api-huge-page-size-is-capped"),
    pytest.param(Case("/api/v1/attacks/", {"cursor": "garbage"}, 400, "Not a cursor this API gave"), id="api-garbage-cursor"),
    pytest.param(Case("/api/v1/attacks/", {"cursor": cursor("o=-1&p=' OR 1=1 --")}, 400), id="api-cursor-with-sql-position"),
    pytest.param(Case("/api/v1/attacks/", {"cursor": cursor("o=99999999999999999999999")}, 400), id="api-cursor-huge-offset"),
    pytest.param(Case("/api/v1/citations/", {"cursor": "%%%"}, 400), id="api-cursor-not-base64"),
    pytest.param(Case("/api/v1/attacks/", {"date_after": "2016-02-30"}, 400, "date_after"), id="api-impossible-date"),
    pytest.param(Case("/api/v1/attacks/", {"year": "-1"}, 400, "year"), id="api-negative-year"),
    pytest.param(Case("/api/v1/groups/", {"updated_since": "2026-13-01T00:00:00Z"}, 400, "updated_since"), id="api-updated-since-month-13"),
    pytest.param(Case("/api/v1/groups/", {"ordering": "-password"}, 400, "ordering"), id="api-ordering-unknown-field"),
    pytest.param(Case("/api/v1/groups/", {"q": "%"}, hides="Islamic State"), id="api-q-like-percent"),
    pytest.param(Case("/api/v1/groups/", {"q": "_"}, hides="Islamic State"), id="api-q-like-underscore"),
    pytest.param(Case("/api/v1/groups/", {"q": SQL}, hides="Islamic State"), id="api-q-sql"),
    pytest.param(Case("/api/v1/groups/", {"q": HTML}, hides="Islamic State"), id="api-q-html"),
    pytest.param(Case("/api/v1/groups/", {"q": LONG}, (200, 400)), id="api-q-10k-characters"),
    pytest.param(Case("/api/v1/groups/", {"q": MIXED_SCRIPTS}), id="api-q-arabic-latin-emoji"),
    pytest.param(Case("/api/v1/groups/", {"alias": "dae%"}, hides="Islamic State"), id="api-alias-like-wildcard"),
    pytest.param(Case("/api/v1/groups/", {"related_to": HUGE_NUMBER}, hides="Islamic State"), id="api-related-to-huge-id"),
    pytest.param(Case("/api/v1/groups/", {"q": "\x00"}, 400, "NUL character"), id="api-nul"),
    pytest.param(Case("/api/v1/attacks/", {"q": "%_"}, hides="police college"), id="api-attacks-q-like-wildcards"),
    pytest.param(Case("/api/v1/deletions/", {"since": "garbage"}, 400, "since"), id="api-deletions-since-garbage"),
    pytest.param(Case("/api/v1/groups/" + "a" * 5000 + "/", status=404), id="api-slug-overlong"),
    pytest.param(Case("/api/v1/groups/" + TRAVERSAL + "/", status=404), id="api-slug-traversal"),
    pytest.param(Case("/api/v1/attacks/" + HUGE_NUMBER + "/", status=404), id="api-attack-id-out-of-range"),
    pytest.param(Case("/api/v1/groups/%00/", status=400, says="NUL character"), id="api-slug-nul"),
    pytest.param(Case("/api/v1/groups/islamic-state/stix/", {"format": "../../etc/passwd"}, 404), id="api-format-traversal"),
]


@pytest.mark.parametrize("case", API)
def test_api(client, case):
    response = client.get(case.path, case.params)
    check(response, case)
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    if case.hides:
        assert case.hides not in response.content.decode() and not response.json()["results"]


CHANGELIST = reverse("admin:groups_group_changelist")
ADMIN = [
    pytest.param(Case(CHANGELIST, {"o": "garbage"}), id="admin-ordering-garbage"),
    pytest.param(Case(CHANGELIST, {"o": "999.-999"}), id="admin-ordering-column-out-of-range"),
    pytest.param(Case(CHANGELIST, {"o": HUGE_NUMBER}), id="admin-ordering-huge-number"),
    pytest.param(Case(CHANGELIST, {"p": "-1"}, (200, 302)), id="admin-negative-page"),
    pytest.param(Case(CHANGELIST, {"p": HUGE_NUMBER}, (200, 302)), id="admin-huge-page"),
    pytest.param(Case(CHANGELIST, {"p": "abc"}, (200, 302)), id="admin-page-in-words"),
    pytest.param(Case(CHANGELIST, {"no_such_field": "1"}, 302), id="admin-unknown-filter"),
    pytest.param(Case(CHANGELIST, {"founded__year": "abc"}, 302), id="admin-filter-year-in-words"),
    pytest.param(Case(CHANGELIST, {"id__in": "1,abc"}, 302), id="admin-filter-id-list-with-garbage"),
    pytest.param(Case(CHANGELIST, {"status__exact": "<script>alert(1)</script>"}), id="admin-filter-status-html"),
    pytest.param(Case(CHANGELIST, {"country": "ZZZ"}), id="admin-filter-unknown-country"),
    pytest.param(Case(CHANGELIST, {"publication_status__exact": SQL}), id="admin-filter-sql"),
    pytest.param(Case(CHANGELIST, {"q": SQL}), id="admin-search-sql"),
    pytest.param(Case(CHANGELIST, {"q": "%"}), id="admin-search-like-percent"),
    pytest.param(Case(CHANGELIST, {"q": LONG}), id="admin-search-10k-characters"),
    pytest.param(Case(CHANGELIST, {"q": MIXED_SCRIPTS}), id="admin-search-arabic-latin-emoji"),
    pytest.param(Case(CHANGELIST, {"q": "\x00"}, 400, "NUL character"), id="admin-search-nul"),
    pytest.param(Case(CHANGELIST, {"_to_field": "password"}, 400), id="admin-to-field-not-allowed"),
    pytest.param(Case(reverse("admin:groups_group_change", args=[HUGE_NUMBER]), status=302), id="admin-change-id-out-of-range"),
    pytest.param(Case(reverse("admin:groups_group_change", args=["abc"]), status=302), id="admin-change-id-in-words"),
    pytest.param(Case(reverse("admin:groups_group_history", args=["abc"]), status=404), id="admin-history-id-in-words"),
    pytest.param(Case(reverse("admin:groups_group_history", args=[HUGE_NUMBER]), status=404), id="admin-history-id-out-of-range"),
    pytest.param(Case("/admin/groups/group/abc/history/1/", status=404), id="admin-history-version-of-id-in-words"),
    pytest.param(Case("/admin/groups/group/1/history/abc/", status=404), id="admin-history-version-in-words"),
    pytest.param(Case("/admin/sources/source/1%27%20OR%201=1/history/", status=404), id="admin-history-id-sql"),
    pytest.param(Case("/admin/groups/group/" + TRAVERSAL + "/change/", status=(302, 404)), id="admin-change-id-traversal"),
    pytest.param(
        Case(reverse("admin:autocomplete"), {"term": SQL, "app_label": "auth", "model_name": "user", "field_name": "password"}, 403),
        id="admin-autocomplete-foreign-field",
    ),
]


@pytest.mark.parametrize("case", ADMIN)
def test_admin(admin_client, case):
    check(admin_client.get(case.path, case.params), case)


ADMIN_FORM = [
    pytest.param({"founded": "2016-13-45"}, "founded", id="admin-form-impossible-date"),
    pytest.param({"founded": "2015-02-29"}, "founded", id="admin-form-not-a-leap-year"),
    pytest.param({"founded": "yesterday"}, "founded", id="admin-form-date-in-words"),
    pytest.param({"founded": "0000-00-00"}, "founded", id="admin-form-date-all-zeros"),
    pytest.param({"founded": "99999-01-01"}, "founded", id="admin-form-five-digit-year"),
    pytest.param({"founded": "2016-03", "founded_precision": "month"}, "founded", id="admin-form-month-without-day"),
    pytest.param({"founded": "2016-01-01", "founded_precision": "decade"}, "founded_precision", id="admin-form-unknown-precision"),
    pytest.param({"dissolved": "2016-01-01'; DROP TABLE groups_group; --"}, "dissolved", id="admin-form-date-sql"),
    pytest.param({"slug": "../../etc/passwd"}, "slug", id="admin-form-slug-traversal"),
    pytest.param({"slug": "a" * 5000}, "slug", id="admin-form-slug-overlong"),
    pytest.param({"name": "Islamic\x00State"}, "name", id="admin-form-name-nul"),
    pytest.param({"name": "x" * 10_000}, "name", id="admin-form-name-10k-characters"),
    pytest.param({"kind": "<script>"}, "kind", id="admin-form-kind-html"),
]


@pytest.mark.parametrize("values, field_name", ADMIN_FORM)
def test_admin_add_form(admin_client, values, field_name):
    url = reverse("admin:groups_group_add")
    data = {**form_data(admin_client.get(url)), "name": "New Front", "slug": "new-front", "change_reason": "test", **values}
    response = admin_client.post(url, data)
    assert response.status_code == 200, "a form error, not a save or a crash"
    assert field_name in response.context["adminform"].form.errors
    assert not Group.objects.filter(name__startswith="New").exists()
