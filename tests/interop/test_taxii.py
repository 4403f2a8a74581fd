"""The TAXII 2.1 server, at the protocol level (Django's test client) and with the OASIS client against a live server."""

import datetime
import json
from collections import Counter

import pytest
from django.core import signing
from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle
from taxii2client.exceptions import AccessError
from taxii2client.v21 import Server, as_pages

from interop.models import StixObjectVersion
from interop.taxii.filters import ObjectFilter
from interop.taxii.pagination import stix_timestamp, taxii_timestamp
from interop.taxii.views import KNOWLEDGE_BASE, KNOWLEDGE_BASE_FOR_OPENCTI

from .releases import release_of

pytestmark = pytest.mark.django_db

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
COLLECTION_ID = "742275b7-c1c0-4346-ae62-99881bd4cf3d"  # clients keep it: it never changes
COLLECTION = f"/taxii2/kb/collections/{COLLECTION_ID}/"
OPENCTI_COLLECTION_ID = "80a104b7-b414-4724-9255-b72b6c70131d"  # likewise
OPENCTI_COLLECTION = f"/taxii2/kb/collections/{OPENCTI_COLLECTION_ID}/"
OBJECTS = f"{COLLECTION}objects/"
MANIFEST = f"{COLLECTION}manifest/"
ERROR_KEYS = {"title", "description", "http_status"}


def get(client, path, params=None, accept=TAXII):
    return client.get(path, params or {}, HTTP_ACCEPT=accept)


def taxii(response, status=200) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == TAXII
    return json.loads(response.content)


def error(response, status: int) -> dict:
    body = taxii(response, status)
    assert body.keys() == ERROR_KEYS and body["http_status"] == str(status) and body["description"]
    return body


def pages(client, path, params=None, limit=7) -> list[dict]:
    """Every page of a paged endpoint, following `next`."""
    envelopes, params = [], {**(params or {}), "limit": limit}
    while True:
        envelope = taxii(get(client, path, params))
        envelopes.append(envelope)
        if not envelope["more"]:
            return envelopes
        params["next"] = envelope["next"]


def objects_of(envelopes: list[dict]) -> list[dict]:
    return [stix_object for envelope in envelopes for stix_object in envelope.get("objects", [])]


def versions_table(**conditions) -> list[tuple[str, str]]:
    rows = StixObjectVersion.objects.filter(**conditions).order_by("date_added", "id")
    return [(row.stix_id, stix_timestamp(row.modified)) for row in rows]


def as_versions(stix_objects: list[dict]) -> list[tuple[str, str]]:
    return [(stix_object["id"], stix_object.get("modified", stix_object["created"])) for stix_object in stix_objects]


# --- discovery, API root, collections


def test_discovery_names_the_api_root_and_it_answers(client):
    discovery = taxii(get(client, "/taxii2/"))
    assert discovery["title"] and discovery["default"] == "/taxii2/kb/" and discovery["api_roots"] == ["/taxii2/kb/"]
    api_root = taxii(get(client, discovery["default"]))
    assert api_root["versions"] == [TAXII] and api_root["title"] and api_root["max_content_length"] == 0


def test_two_read_only_collections_of_everything_published_the_second_for_openCTI(client):
    collections = taxii(get(client, "/taxii2/kb/collections/"))["collections"]
    assert collections == [taxii(get(client, COLLECTION)), taxii(get(client, OPENCTI_COLLECTION))]
    for collection in collections:
        assert collection.pop("title") and collection.pop("description")
    assert collections == [
        {"id": COLLECTION_ID, "alias": "militant-groups-kb", "can_read": True, "can_write": False, "media_types": [STIX]},
        {"id": OPENCTI_COLLECTION_ID, "alias": "militant-groups-kb-opencti", "can_read": True, "can_write": False, "media_types": [STIX]},
    ]
    assert (KNOWLEDGE_BASE.id, KNOWLEDGE_BASE_FOR_OPENCTI.id) == (COLLECTION_ID, OPENCTI_COLLECTION_ID)


# --- objects


def test_objects_are_each_objects_newest_version_as_stored(client, two_releases):
    served = objects_of(pages(client, OBJECTS, limit=1000))
    assert as_versions(served) == versions_table(latest=True)
    assert len(served) == len({stix_object["id"] for stix_object in served})
    stored = StixObjectVersion.objects.get(stix_id=two_releases.changed, latest=True)
    assert next(o for o in served if o["id"] == stored.stix_id) == json.loads(stored.body)
    assert "Edited after the first release." in json.loads(stored.body)["description"]


def test_what_left_the_public_set_is_served_revoked(client, two_releases):
    served = {o["id"]: o for o in objects_of(pages(client, OBJECTS, limit=1000))}
    withdrawn = served[two_releases.withdrawn]
    assert withdrawn["revoked"] is True and withdrawn["name"] == two_releases.withdrawn_name
    revoked = set(StixObjectVersion.objects.filter(revoked=True).values_list("stix_id", flat=True))
    assert len(revoked) > 1  # the group, and the relationships it was in
    assert {stix_id for stix_id, o in served.items() if o.get("revoked")} == revoked


def test_paging_collects_every_version_exactly_once_in_order(client, two_releases):
    for params, expected in [
        ({}, versions_table(latest=True)),
        ({"match[version]": "all"}, versions_table()),
        ({"match[type]": "relationship"}, versions_table(latest=True, stix_type="relationship")),
    ]:
        envelopes = pages(client, OBJECTS, params, limit=7)
        served = as_versions(objects_of(envelopes))
        assert len(envelopes) > 2 and all(len(e["objects"]) == 7 for e in envelopes[:-1])
        assert Counter(served).most_common(1)[0][1] == 1
        assert served == expected


def test_a_release_published_while_a_client_pages_comes_after_what_it_has_read(client, two_releases):
    first_page = taxii(get(client, OBJECTS, {"limit": 10, "match[version]": "all"}))
    published = [json.loads(row.body) for row in StixObjectVersion.objects.filter(latest=True, revoked=False)]
    edited = next(o for o in published if o["type"] == "intrusion-set")
    edited |= {"description": "Edited for a third release.", "modified": "2030-01-01T00:00:00.000Z"}
    release_of("2026.3", published)
    rest = pages(client, OBJECTS, {"match[version]": "all", "next": first_page["next"]}, limit=10)
    served = as_versions(first_page["objects"] + objects_of(rest))
    assert served == versions_table()
    assert served[-1] == (edited["id"], "2030-01-01T00:00:00.000Z")


def test_pages_carry_when_their_first_and_last_versions_were_added(client, two_releases):
    response = get(client, OBJECTS, {"limit": 5})
    assert response["X-TAXII-Date-Added-First"] == taxii_timestamp(two_releases.first.built_at)
    last = get(client, OBJECTS, {"added_after": response["X-TAXII-Date-Added-Last"], "limit": 1000})
    assert last["X-TAXII-Date-Added-Last"] == taxii_timestamp(two_releases.second.built_at)
    nothing = get(client, OBJECTS, {"added_after": last["X-TAXII-Date-Added-Last"]})
    assert taxii(nothing) == {"more": False} and "X-TAXII-Date-Added-First" not in nothing


def test_added_after_gives_only_versions_added_later(client, two_releases):
    added_after = taxii_timestamp(two_releases.first.built_at)
    served = as_versions(objects_of(pages(client, OBJECTS, {"added_after": added_after, "match[version]": "all"})))
    assert served == versions_table(release=two_releases.second)
    assert two_releases.changed in dict(served) and two_releases.withdrawn in dict(served)
    assert len(served) < StixObjectVersion.objects.filter(latest=True).count() / 4
    manifest = objects_of(pages(client, MANIFEST, {"added_after": added_after}))
    assert manifest and all(record["date_added"] > added_after for record in manifest)


def test_added_after_takes_an_offset_and_gives_the_same(client, two_releases):
    moment = two_releases.first.built_at.astimezone(datetime.timezone(datetime.timedelta(hours=5, minutes=30)))
    assert taxii(get(client, OBJECTS, {"added_after": moment.isoformat()})) == taxii(
        get(client, OBJECTS, {"added_after": taxii_timestamp(two_releases.first.built_at)})
    )


def test_match_id_and_type_take_lists(client, two_releases):
    changed, withdrawn = two_releases.changed, two_releases.withdrawn
    by_id = objects_of(pages(client, OBJECTS, {"match[id]": f"{changed},{withdrawn}"}))
    assert sorted(o["id"] for o in by_id) == sorted([changed, withdrawn])
    repeated = objects_of(pages(client, OBJECTS, {"match[id]": [changed, withdrawn]}))
    assert repeated == by_id
    for types in (["intrusion-set"], ["incident", "report"]):
        served = objects_of(pages(client, OBJECTS, {"match[type]": ",".join(types)}))
        assert served and {o["type"] for o in served} == set(types)
        assert as_versions(served) == [v for v in versions_table(latest=True, stix_type__in=types)]
    assert taxii(get(client, OBJECTS, {"match[type]": "malware"})) == {"more": False}


def test_match_version_chooses_first_last_all_or_a_timestamp(client, two_releases):
    changed = two_releases.changed
    first, last = versions_table(stix_id=changed)

    def versions(value):
        return as_versions(objects_of(pages(client, OBJECTS, {"match[id]": changed, "match[version]": value})))

    assert versions("last") == [last] and versions("first") == [first]
    assert versions("all") == versions("first,last") == versions(f"{first[1]},{last[1]}") == [first, last]
    assert versions(first[1]) == [first]
    assert versions("1999-01-01T00:00:00.000Z") == []
    everything_first = objects_of(pages(client, OBJECTS, {"match[version]": "first"}, limit=1000))
    assert as_versions(everything_first) == versions_table(release=two_releases.first)  # the second release added no new object


def test_first_picks_among_the_versions_added_after(client, two_releases):
    """As medallion does: the other filters choose the versions, then first and last pick among them."""
    changed = two_releases.changed
    params = {"match[id]": changed, "match[version]": "first", "added_after": taxii_timestamp(two_releases.first.built_at)}
    assert as_versions(taxii(get(client, OBJECTS, params))["objects"]) == versions_table(stix_id=changed, release=two_releases.second)


def test_match_spec_version(client, two_releases):
    everything = taxii(get(client, OBJECTS, {"limit": 1000}))
    assert taxii(get(client, OBJECTS, {"limit": 1000, "match[spec_version]": "2.1"})) == everything
    assert taxii(get(client, OBJECTS, {"limit": 1000, "match[spec_version]": "2.0,2.1"})) == everything
    assert taxii(get(client, OBJECTS, {"match[spec_version]": "2.0"})) == {"more": False}


def test_limit_is_capped_by_the_configured_page_size(client, two_releases, settings):
    settings.TAXII_MAX_PAGE_SIZE = 4
    assert len(taxii(get(client, OBJECTS))["objects"]) == 4
    envelope = taxii(get(client, OBJECTS, {"limit": 100}))
    assert len(envelope["objects"]) == 4 and envelope["more"] is True


# --- one object, its versions, the manifest


def test_an_object_is_its_newest_version_unless_asked(client, two_releases):
    changed = two_releases.changed
    path = f"{OBJECTS}{changed}/"
    first, last = versions_table(stix_id=changed)
    assert as_versions(taxii(get(client, path))["objects"]) == [last]
    assert as_versions(taxii(get(client, path, {"match[version]": "all"}))["objects"]) == [first, last]
    assert as_versions(taxii(get(client, path, {"match[version]": "first"}))["objects"]) == [first]
    paged = pages(client, path, {"match[version]": "all"}, limit=1)
    assert [e["more"] for e in paged] == [True, False] and as_versions(objects_of(paged)) == [first, last]
    assert taxii(get(client, path, {"added_after": taxii_timestamp(two_releases.second.built_at)})) == {"more": False}


def test_versions_lists_every_version_oldest_first(client, two_releases):
    for object_id in (two_releases.changed, two_releases.withdrawn):
        expected = [version for _, version in versions_table(stix_id=object_id)]
        response = get(client, f"{OBJECTS}{object_id}/versions/")
        assert taxii(response) == {"more": False, "versions": expected} and len(expected) == 2
        assert response["X-TAXII-Date-Added-Last"] == taxii_timestamp(two_releases.second.built_at)
    path = f"{OBJECTS}{two_releases.changed}/versions/"
    first, last = [version for _, version in versions_table(stix_id=two_releases.changed)]
    paged = pages(client, path, limit=1)
    assert [page["versions"] for page in paged] == [[first], [last]] and paged[0]["more"] is True
    assert taxii(get(client, path, {"added_after": taxii_timestamp(two_releases.first.built_at)})) == {"more": False, "versions": [last]}


def test_the_manifest_lists_the_versions_the_objects_endpoint_serves(client, two_releases):
    for params in ({}, {"match[version]": "all"}, {"match[type]": "intrusion-set", "match[version]": "first"}):
        manifest = objects_of(pages(client, MANIFEST, params, limit=9))
        served = objects_of(pages(client, OBJECTS, params, limit=9))
        assert [(r["id"], r["version"]) for r in manifest] == as_versions(served)
        assert {r["media_type"] for r in manifest} == {STIX}
    record = next(r for r in manifest if r["id"] == two_releases.changed)
    assert record["date_added"] == taxii_timestamp(two_releases.first.built_at)


# --- errors, media types, read-only


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"added_after": "yesterday"}, "added_after"),
        ({"added_after": "2026-01-01T00:00:00"}, "added_after"),  # no time zone
        ({"added_after": "2026-02-30T00:00:00Z"}, "added_after"),
        ({"added_after": "0001-01-01T00:00:00+05:00"}, "added_after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-3"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"next": "abc"}, "next"),
        ({"next": signing.dumps(["2026-01-01T00:00:00+00:00", 3], salt="elsewhere")}, "next"),
        ({"match[version]": "newest"}, "match[version]"),
        ({"match[version]": "last,"}, "match[version]"),
        ({"match[spec_version]": "two"}, "match[spec_version]"),
        ({"match[colour]": "red"}, "match[colour]"),
        ({"match[id]": ",".join(f"incident--{n}" for n in range(501))}, "match[id]"),
    ],
)
def test_bad_parameters_are_a_taxii_400_naming_them(client, params, named):
    assert error(get(client, OBJECTS, params), 400)["description"].startswith(f"{named}:")


def test_a_next_from_another_page_with_its_position_altered_is_refused(client, two_releases):
    token = taxii(get(client, OBJECTS, {"limit": 3}))["next"]
    payload, rest = token.split(":", 1)
    forged = signing.b64_encode(json.dumps(["2026-01-01T00:00:00+00:00", 1]).encode()).decode() + ":" + rest
    assert payload != forged.split(":")[0]
    error(get(client, OBJECTS, {"next": forged}), 400)


def test_filters_an_endpoint_does_not_take_are_refused(client, two_releases):
    changed = two_releases.changed
    error(get(client, f"{OBJECTS}{changed}/", {"match[type]": "intrusion-set"}), 400)
    error(get(client, f"{OBJECTS}{changed}/versions/", {"match[version]": "all"}), 400)
    error(get(client, OBJECTS, {"added_after": ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]}), 400)


@pytest.mark.parametrize(
    "path",
    [
        "/taxii2/kb/collections/not-a-collection/",
        "/taxii2/kb/collections/not-a-collection/objects/",
        "/taxii2/kb/collections/not-a-collection/manifest/",
        f"{OBJECTS}intrusion-set--00000000-0000-4000-8000-000000000000/",
        f"{OBJECTS}intrusion-set--00000000-0000-4000-8000-000000000000/versions/",
        "/taxii2/other-root/",
        "/taxii2/kb",  # TAXII addresses end with a slash
        "/taxii2/kb/status/00000000-0000-4000-8000-000000000000/",
    ],
)
def test_unknown_addresses_are_a_taxii_404(client, path):
    error(get(client, path), 404)


def test_an_unknown_collection_is_a_404_before_its_parameters_are_read(client):
    error(get(client, "/taxii2/kb/collections/not-a-collection/objects/", {"added_after": "never"}), 404)


@pytest.mark.parametrize(
    "accept",
    [
        TAXII,
        "application/taxii+json; version=2.1",
        "application/taxii+json",  # the newest version, 2.1
        "application/json;q=0.5, application/taxii+json;version=2.1",
        "*/*",  # curl and browsers; HTTP's "anything"
        None,
    ],
)
def test_accept_headers_that_take_taxii_21(client, accept):
    response = client.get("/taxii2/", **({"HTTP_ACCEPT": accept} if accept else {}))
    assert taxii(response)["api_roots"]


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "text/html",
        "application/taxii+json;version=2.0",
        STIX,
        "application/taxii+json;version=2.1;q=0",
    ],
)
def test_other_accept_headers_are_a_taxii_406(client, accept):
    for path in ("/taxii2/", OBJECTS, "/taxii2/nowhere/"):
        assert "application/taxii+json;version=2.1" in error(get(client, path, accept=accept), 406)["description"]


def test_writes_are_refused_as_for_a_read_only_collection(client, two_releases):
    changed = two_releases.changed
    body = json.dumps({"objects": []})
    assert "read-only" in error(client.post(OBJECTS, body, content_type=TAXII, HTTP_ACCEPT=TAXII), 403)["description"]
    assert "read-only" in error(client.delete(f"{OBJECTS}{changed}/", HTTP_ACCEPT=TAXII), 403)["description"]
    for method, path in [("put", OBJECTS), ("post", COLLECTION), ("post", "/taxii2/"), ("patch", f"{OBJECTS}{changed}/")]:
        response = getattr(client, method)(path, body, content_type=TAXII, HTTP_ACCEPT=TAXII)
        assert "GET" in response["Allow"]
        error(response, 405)
    assert StixObjectVersion.objects.filter(stix_id=changed).count() == 2
    error(client.post("/taxii2/kb/collections/not-a-collection/objects/", body, content_type=TAXII, HTTP_ACCEPT=TAXII), 404)


def test_a_nul_character_is_refused_in_a_taxii_error(client):
    error(get(client, OBJECTS, {"match[id]": "x\x00"}), 400)


def test_the_throttle_answers_in_a_taxii_error_with_retry_after(client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    cache.clear()  # the requests of earlier tests
    assert [get(client, "/taxii2/").status_code for _ in range(2)] == [200, 200]
    response = get(client, OBJECTS)
    assert error(response, 429) and int(response["Retry-After"]) > 0
    cache.clear()


def test_an_unexpected_failure_is_a_taxii_500_and_is_logged(client, monkeypatch, caplog):
    def fail(self, queryset):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ObjectFilter, "apply", fail)
    assert "logged" in error(get(client, OBJECTS), 500)["description"]
    assert "the database went away" in caplog.text


def test_head_answers_like_get_without_a_body(client, two_releases):
    response = client.head(OBJECTS, HTTP_ACCEPT=TAXII)
    assert response.status_code == 200 and response["Content-Type"] == TAXII and not response.content


def test_the_site_headers_and_conditional_get_apply(client, two_releases):
    response = client.get(OBJECTS, HTTP_ACCEPT=TAXII, HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"accept", "origin"} <= {name.strip().lower() for name in response["Vary"].split(",")}
    again = client.get(OBJECTS, HTTP_ACCEPT=TAXII, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# --- query counts


@pytest.mark.parametrize("limit", [2, 1000])
def test_each_page_is_one_query(client, two_releases, django_assert_num_queries, limit):
    changed = two_releases.changed
    token = taxii(get(client, OBJECTS, {"limit": 1}))["next"]
    for path, params in [
        (OBJECTS, {"limit": limit, "match[type]": "intrusion-set,incident", "match[version]": "first,last"}),
        (OBJECTS, {"limit": limit, "next": token, "added_after": "2000-01-01T00:00:00Z"}),
        (f"{OPENCTI_COLLECTION}objects/", {"limit": limit, "match[type]": "relationship"}),
        (MANIFEST, {"limit": limit, "match[id]": changed, "match[version]": "all"}),
        (f"{OBJECTS}{changed}/", {"limit": limit, "match[version]": "all"}),
        (f"{OBJECTS}{changed}/versions/", {"limit": limit}),
    ]:
        with django_assert_num_queries(1):
            taxii(get(client, path, params))


def test_discovery_and_collections_read_nothing_and_an_empty_object_answer_two(client, two_releases, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        for path in ("/taxii2/", "/taxii2/kb/", "/taxii2/kb/collections/", COLLECTION):
            taxii(get(client, path))
    with django_assert_max_num_queries(2):  # the page, then whether the object exists at all
        taxii(get(client, f"{OBJECTS}{two_releases.changed}/", {"match[version]": "1999-01-01T00:00:00Z"}))


# --- the OASIS client against a live server

live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@live
def test_the_oasis_client_discovers_the_server_and_reads_the_collection(live_server, two_releases):
    server = Server(f"{live_server.url}/taxii2/")
    assert server.title and server.default.url == f"{live_server.url}/taxii2/kb/"
    collection, for_opencti = server.api_roots[0].collections
    assert for_opencti.id == OPENCTI_COLLECTION_ID
    assert (collection.id, collection.can_read, collection.can_write, collection.media_types) == (COLLECTION_ID, True, False, [STIX])

    envelopes = list(as_pages(collection.get_objects, per_request=25))
    served = objects_of(envelopes)
    assert len(envelopes) > 2 and as_versions(served) == versions_table(latest=True)
    default_pages = list(as_pages(collection.get_objects))  # no limit: the server's page size
    assert objects_of(default_pages) == served

    manifest = objects_of(as_pages(collection.get_manifest, per_request=25))
    assert [(r["id"], r["version"]) for r in manifest] == as_versions(served)

    changed = two_releases.changed
    assert collection.object_versions(changed)["versions"] == [version for _, version in versions_table(stix_id=changed)]
    assert collection.get_object(changed)["objects"][0]["description"].endswith("Edited after the first release.")
    assert len(collection.get_object(changed, version="all")["objects"]) == 2


@live
def test_the_oasis_client_reads_what_was_added_since_and_may_not_write(live_server, two_releases):
    collection = Server(f"{live_server.url}/taxii2/").default.collections[0]
    since = objects_of(as_pages(collection.get_objects, per_request=5, added_after=two_releases.first.built_at, version="all"))
    assert as_versions(since) == versions_table(release=two_releases.second)
    relationships = collection.get_objects(type=["relationship"], added_after=two_releases.first.built_at)
    assert {o["type"] for o in relationships["objects"]} == {"relationship"} and all(o["revoked"] for o in relationships["objects"])
    with pytest.raises(AccessError):
        collection.add_objects({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": []})
