import csv
import datetime
import gzip
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from stix2validator import ValidationOptions, validate_string

from groups.exports import CSV_EXPORTS, TABLE_EXPORTS
from groups.models import Affiliation, Alias, Attack, Attribution, Designation, Group, GroupRole, SizeEstimate, Theatre
from groups.theatres import theatre_groups
from interop import releases
from interop.models import Release, StixObjectVersion
from interop.releases import BUNDLE_NAME, json_key
from interop.stix import stix_id
from kb.services import record_delete, record_save
from sampledata.demo_data import load_demo_data
from sources.models import Citation, Source
from tests.factories import user_in_role

pytestmark = pytest.mark.django_db

BASE_URL = "https://kb.example.org"
PUBLIC_COUNTS = {
    "groups": Group,
    "aliases": Alias,
    "affiliations": Affiliation,
    "designations": Designation,
    "roles": GroupRole,
    "size-estimates": SizeEstimate,
    "attacks": Attack,
    "attributions": Attribution,
    "theatres": Theatre,
    "sources": Source,
    "citations": Citation,
}


@pytest.fixture
def root(settings, tmp_path):
    settings.RELEASES_ROOT = tmp_path / "releases"
    return settings.RELEASES_ROOT


@pytest.fixture
def demo(db, root):
    load_demo_data()


@pytest.fixture
def reviewer_user(db):
    return user_in_role("Reviewer", username="release-reviewer")


def build(version: str | None = None) -> Release:
    options = {"version": version} if version else {}
    call_command("build_release", base_url=BASE_URL, no_progress=True, stdout=io.StringIO(), **options)
    return Release.objects.order_by("-built_at").first()


def read(root, release: Release, name: str) -> bytes:
    return (root / release.version / name).read_bytes()


def bundle(root, release: Release) -> dict:
    return json.loads(read(root, release, BUNDLE_NAME))


def table_rows(root, release: Release, name: str) -> tuple[list[list[str]], list[dict]]:
    rows = list(csv.reader(io.StringIO(gzip.decompress(read(root, release, f"{name}.csv.gz")).decode("utf-8-sig"))))
    lines = gzip.decompress(read(root, release, f"{name}.jsonl.gz")).decode().splitlines()
    return rows, [json.loads(line) for line in lines]


# --- Building -------------------------------------------------------------------------------


def test_a_release_of_the_demo_data_holds_every_public_table_and_the_bundle_with_checksums_that_verify(demo, root):
    release = build()

    assert release.version == f"{release.built_at:%Y.%m.%d}"
    directory = root / release.version
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest == release.manifest
    # SHA256SUMS, as `sha256sum -c` reads it: every file the manifest lists, and the manifest itself.
    listed = {}
    for line in (directory / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
        assert hashlib.sha256((directory / name).read_bytes()).hexdigest() == digest, name
    assert set(listed) == {file["name"] for file in manifest["files"]} | {"manifest.json"}
    assert {name for name in listed if "/" not in name} | {"SHA256SUMS"} == {path.name for path in directory.iterdir() if path.is_file()}
    assert [path.name for path in directory.iterdir() if path.is_dir()] == ["misp-feed"]  # its files: tests/interop/test_misp_native.py
    for file in manifest["files"]:
        assert (directory / file["name"]).stat().st_size == file["size"]
        assert listed[file["name"]] == file["sha256"]
    assert manifest["size"] == sum(file["size"] for file in manifest["files"])
    assert manifest["formats"]["stix"] == "2.1" and manifest["previous_version"] is None

    # Every public table, CSV and JSON Lines alike, with the API's CSV columns.
    assert manifest["counts"]["tables"] == {name: model.objects.public().count() for name, model in PUBLIC_COUNTS.items()}
    # Every table holds rows, but size estimates: none of the five articles gives one (data/demo.yaml).
    assert {name for name, count in manifest["counts"]["tables"].items() if count == 0} == {"size-estimates"}
    for name, export in TABLE_EXPORTS.items():
        rows, records = table_rows(root, release, name)
        headers = [column.header for column in export.columns]
        assert rows[0] == headers
        assert len(rows) - 1 == len(records) == manifest["counts"]["tables"][name]
        assert not records or list(records[0]) == [json_key(header) for header in headers]
    for name, export in CSV_EXPORTS.items():
        assert TABLE_EXPORTS[name] is export
    # A page is a full address, in both files: read far from the site, a path resolves against nothing.
    rows, records = table_rows(root, release, "groups")
    page = rows[0].index("Page")
    slug = Group.objects.public().order_by("name").first().slug
    assert f"{BASE_URL}/groups/{slug}/" in [row[page] for row in rows[1:]] == [record["page"] for record in records]
    # The bundle: valid STIX 2.1, the counts the manifest gives, and its gzip copy the same bytes.
    text = read(root, release, BUNDLE_NAME).decode()
    results = validate_string(text, ValidationOptions(version="2.1", enforce_refs=True))
    assert results.is_valid and not results.errors, "\n".join(map(str, results.errors))
    objects = json.loads(text)["objects"]
    counts = {}
    for stix_object in objects:
        counts[stix_object["type"]] = counts.get(stix_object["type"], 0) + 1
    assert counts == manifest["counts"]["stix"]
    assert counts["intrusion-set"] == Group.objects.public().count() and counts["incident"] == Attack.objects.public().count()
    assert counts["grouping"] == sum(1 for theatre in Theatre.objects.public() if theatre_groups(theatre).exists()) > 0
    theatre_records = table_rows(root, release, "theatres")[1]
    groupings = {stix_object["name"]: stix_object for stix_object in objects if stix_object["type"] == "grouping"}
    for record in theatre_records:  # the table and the bundle draw the same groups on each map
        assert len(groupings[record["name"]]["object_refs"]) == len(record["group_slugs"].split("; "))
    assert gzip.decompress(read(root, release, f"{BUNDLE_NAME}.gz")).decode() == text
    # Every object is a version in the TAXII table, the latest, added with the release.
    versions = StixObjectVersion.objects.filter(release=release)
    assert versions.count() == len(objects) == StixObjectVersion.objects.filter(latest=True).count()
    stored = {version.stix_id: version for version in versions}
    for stix_object in objects:
        version = stored[stix_object["id"]]
        assert json.loads(version.body) == stix_object
        assert version.date_added == release.built_at and not version.revoked
        assert version.modified == datetime.datetime.fromisoformat(stix_object.get("modified", stix_object["created"]))
    # The first release: everything is added.
    assert manifest["changes"]["added"] == counts and manifest["changes"]["revoked"] == {}
    changelog = read(root, release, "CHANGELOG.md").decode()
    assert "the first release" in changelog and "Easter Sunday bombings in Sri Lanka" in changelog
    # How to cite: the permanent address.
    url = f"{BASE_URL}/releases/{release.version}/"
    assert manifest["url"] == url and url in manifest["citation"]
    assert url in read(root, release, "README.md").decode()
    cff = read(root, release, "CITATION.cff").decode()
    assert f'version: "{release.version}"' in cff and f'url: "{url}"' in cff and "cff-version: 1.2.0" in cff


def test_a_second_release_revokes_what_left_the_public_set_and_versions_what_changed(demo, root, reviewer_user):
    first = build()
    attack = Attack.objects.public().filter(attributions__isnull=False).distinct().first()
    attack_title = attack.title
    incident_id = stix_id("incident", f"attack:{attack.slug}")
    attribution_ids = [stix_id("relationship", f"attribution:{pk}") for pk in attack.attributions.values_list("pk", flat=True)]
    record_delete(instance=attack, user=reviewer_user, reason="Duplicate of another record")
    group = Group.objects.public().get(slug="lashkar-e-jhangvi")
    group.summary = group.summary + " It split in 2017."
    record_save(instance=group, user=reviewer_user, reason="A new article")
    group_id = stix_id("intrusion-set", f"group:{group.slug}")

    second = build()

    assert second.version == f"{first.version}.2"
    assert second.manifest["previous_version"] == first.version
    objects = {o["id"]: o for o in bundle(root, second)["objects"]}
    # The deleted attack and its attributions: revoked, dated after their last version, in the bundle and the table.
    for revoked_id in [incident_id, *attribution_ids]:
        revoked = objects[revoked_id]
        last = json.loads(StixObjectVersion.objects.get(stix_id=revoked_id, release=first).body)
        assert revoked["revoked"] is True
        assert revoked["modified"] > last["modified"]
        assert {**revoked, "revoked": False, "modified": last["modified"]} == {**last, "revoked": False}
        versions = StixObjectVersion.objects.filter(stix_id=revoked_id).order_by("modified")
        assert [(v.release_id, v.revoked, v.latest) for v in versions] == [(first.pk, False, False), (second.pk, True, True)]
    assert objects[incident_id]["name"].startswith(attack_title)  # the name adds the place and the date
    # The changed group: a new version, which is now the latest; the old one stays.
    versions = list(StixObjectVersion.objects.filter(stix_id=group_id).order_by("modified"))
    assert [(v.release_id, v.latest) for v in versions] == [(first.pk, False), (second.pk, True)]
    assert versions[1].modified > versions[0].modified and "It split in 2017." in versions[1].body
    assert json.loads(versions[1].body) == objects[group_id]
    # What did not change has no new version.
    changed_ids = {incident_id, group_id, *attribution_ids}
    new_ids = set(StixObjectVersion.objects.filter(release=second).values_list("stix_id", flat=True))
    assert changed_ids <= new_ids
    assert StixObjectVersion.objects.filter(latest=True).count() == len(objects)
    # The changelog says so.
    changes = json.loads(read(root, second, "changes.json"))
    assert changes["previous_version"] == first.version
    assert changes["revoked"]["incident"] == {"count": 1, "objects": [{"id": incident_id, "name": objects[incident_id]["name"]}]}
    assert changes["revoked"]["relationship"]["count"] == len(attribution_ids)
    assert {o["id"] for o in changes["changed"]["intrusion-set"]["objects"]} >= {group_id}
    assert "incident" not in changes["added"]
    changelog = read(root, second, "CHANGELOG.md").decode()
    assert f"since release {first.version}" in changelog and attack_title in changelog and incident_id in changelog
    assert second.manifest["counts"]["stix_revoked"]["incident"] == 1
    assert second.manifest["counts"]["tables"]["attacks"] == first.manifest["counts"]["tables"]["attacks"] - 1

    # A third release with nothing changed adds no version, and still carries the revoked objects.
    third = build()
    assert not StixObjectVersion.objects.filter(release=third).exists()
    assert sum(sum(third.manifest["changes"][kind].values()) for kind in ("added", "changed", "revoked")) == 0
    assert {o["id"]: o for o in bundle(root, third)["objects"]}[incident_id] == objects[incident_id]


def test_an_existing_version_is_refused(demo, root):
    build("2026.1")
    with pytest.raises(CommandError, match="Release 2026.1 already exists"):
        build("2026.1")
    with pytest.raises(CommandError, match="cannot be a release's version"):
        build("../etc")
    with pytest.raises(CommandError, match="cannot be a release's version"):
        build("latest")
    assert list(Release.objects.values_list("version", flat=True)) == ["2026.1"]


def test_if_none_builds_only_the_first_release(demo, root):
    out = io.StringIO()
    call_command("build_release", base_url=BASE_URL, if_none=True, no_progress=True, stdout=out)
    call_command("build_release", base_url=BASE_URL, if_none=True, no_progress=True, stdout=out)
    assert Release.objects.count() == 1
    assert "exists; none built" in out.getvalue()


def test_a_bad_base_url_is_a_command_error(db, root):
    with pytest.raises(CommandError, match="--base-url"):
        call_command("build_release", base_url="kb.example.org", no_progress=True)


def test_a_failed_build_leaves_nothing_behind(demo, root, monkeypatch, client):
    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(releases, "_write_table", fail)  # after the bundle and its STIX versions are written
    with pytest.raises(OSError, match="No space left"):
        build("2026.12.02")

    assert not Release.objects.exists() and not StixObjectVersion.objects.exists()
    assert list(root.iterdir()) == []  # neither the release nor its half-built directory
    assert client.get("/releases/2026.12.02/").status_code == 404
    assert client.get(f"/releases/2026.12.02/{BUNDLE_NAME}").status_code == 404
    assert client.get("/api/v1/export/stix/").status_code == 404


# --- Serving --------------------------------------------------------------------------------


def test_files_are_served_as_written_with_a_long_cache_lifetime(demo, root, client):
    release = build()
    for file in release.manifest["files"]:
        response = client.get(f"/releases/{release.version}/{file['name']}")
        assert response.status_code == 200, file["name"]
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == file["sha256"]
        assert response["Content-Type"] == file["media_type"]
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response["ETag"] == f'"{file["sha256"]}"'
        assert int(response["Content-Length"]) == file["size"]
    assert client.get(f"/releases/{release.version}/{BUNDLE_NAME}")["Content-Type"] == "application/stix+json;version=2.1"
    gz = client.get(f"/releases/{release.version}/attacks.csv.gz")
    assert gz["Content-Type"] == "application/gzip" and "attachment" in gz["Content-Disposition"]
    assert not gz.has_header("Content-Encoding")  # saved as the .gz file it is
    sums = client.get(f"/releases/{release.version}/SHA256SUMS")
    assert b"".join(sums.streaming_content) == read(root, release, "SHA256SUMS")
    assert json.loads(b"".join(client.get(f"/releases/{release.version}/manifest.json").streaming_content)) == release.manifest
    # The client's copy is current: 304.
    etag = release.manifest["files"][0]["sha256"]
    assert client.get(f"/releases/{release.version}/{BUNDLE_NAME}", HTTP_IF_NONE_MATCH=f'"{etag}"').status_code == 304
    assert client.head(f"/releases/{release.version}/{BUNDLE_NAME}").status_code == 200


def test_only_the_files_of_a_release_are_served(demo, root, client):
    release = build()
    (root / release.version / "notes.txt").write_text("not in the manifest")
    (root / "secret.txt").write_text("outside every release")
    for path in [
        f"/releases/{release.version}/notes.txt",
        f"/releases/{release.version}/..%2Fsecret.txt",
        f"/releases/{release.version}/%2E%2E%2Fsecret.txt",
        f"/releases/{release.version}/../secret.txt",
        "/releases/..%2Fsecret.txt/manifest.json",
        f"/releases/{release.version}/{BUNDLE_NAME}/x",
        "/releases/2001.01.01/manifest.json",
        "/releases/2001.01.01/",
    ]:
        assert client.get(path).status_code == 404, path
    (root / release.version / "README.md").unlink()  # a release's row without its file: 404, never a 500
    assert client.get(f"/releases/{release.version}/README.md").status_code == 404


def test_latest_leads_to_the_newest_release(demo, root, client):
    assert client.get("/releases/latest/").status_code == 404
    build("2026.1")
    newest = build("2026.2")
    response = client.get("/releases/latest/")
    assert response.status_code == 302 and response["Location"] == f"/releases/{newest.version}/"
    assert client.get("/releases/latest/attacks.csv.gz")["Location"] == f"/releases/{newest.version}/attacks.csv.gz"


def test_the_api_export_redirects_to_the_newest_bundle_and_is_never_built_per_request(demo, root, client, monkeypatch):
    response = client.get("/api/v1/export/stix/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert "No release has been built yet" in response.json()["detail"]

    release = build()
    monkeypatch.setattr("interop.stix.stix_objects", lambda **kwargs: pytest.fail("the export was built per request"))
    response = client.get("/api/v1/export/stix/")
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/releases/{release.version}/{BUNDLE_NAME}"
    served = client.get(response["Location"])
    assert b"".join(served.streaming_content) == read(root, release, BUNDLE_NAME)


def test_the_releases_pages_render_in_a_fixed_number_of_queries(demo, root, client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("releases:release_list"))
    assert response.status_code == 200 and "No release has been built yet" in response.content.decode()
    first = build("2026.1")
    second = build("2026.2")
    with django_assert_num_queries(1):
        page = client.get(reverse("releases:release_list")).content.decode()
    assert f'href="/releases/{first.version}/"' in page and f'href="/releases/{second.version}/"' in page
    assert second.manifest["citation"] in page and 'aria-current="page">Downloads' in page
    with django_assert_num_queries(1):
        page = client.get(reverse("releases:release_detail", args=[second.version])).content.decode()
    for file in second.manifest["files"]:
        assert f'href="/releases/{second.version}/{file["name"]}"' in page and file["sha256"] in page
    assert "Changes since 2026.1" in page and second.manifest["citation"] in page
    assert f"{second.manifest['counts']['tables']['citations']}" in page


def test_the_deployment_keeps_the_releases_on_a_volume_the_app_may_write():
    from pathlib import Path

    import yaml

    repository = Path(__file__).resolve().parents[2]
    dockerfile = (repository / "Dockerfile").read_text()
    assert "ENV RELEASES_ROOT=/var/lib/kb/releases" in dockerfile
    assert "chown -R kb:kb /var/lib/kb" in dockerfile.split("USER kb")[0]
    compose = yaml.safe_load((repository / "docker-compose.yml").read_text())
    apps = [name for name, service in compose["services"].items() if "gunicorn" in service.get("command", [])]
    assert sorted(apps) == ["app1", "app2"]
    for name in apps:  # one volume: a release built on either app server is served by both
        assert "releases:/var/lib/kb/releases" in compose["services"][name]["volumes"]
    assert "releases" in compose["volumes"]
