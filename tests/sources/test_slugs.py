"""Sources addressed by their titles: made when a source is saved without one, unique, never empty, and every earlier
address redirecting (301) to the current one on the site and the API, for published sources only."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from kb.models import PublicationStatus
from kb.services import record_revert, record_save
from sampledata.demo_data import load_demo_data
from sources.models import Source
from sources.slugs import SLUG_LENGTH, slug_base, slug_candidates, trim_slug
from tests.factories import CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("sources.migrations.0006_source_readable_slugs")

QUOTE = "It was also claimed by the Islamic State group"

LONG_TITLE = (
    "Islamic State expanding footprint in Pakistan as the Khorasan Province claims responsibility for attacks "
    "across Khyber Pakhtunkhwa and Balochistan"
)


class TestSlugFromTitle:
    def test_the_title_words_make_the_slug(self):
        assert slug_base(title="Islamic State Announces 'Pakistan Province'") == "islamic-state-announces-pakistan-province"
        assert slug_base(title="Pak militant group worked with ISIS on police attack: spokesman") == (
            "pak-militant-group-worked-with-isis-on-police-attack-spokesman"
        )

    def test_a_long_title_is_cut_at_a_word_boundary(self):
        slug = slug_base(title=LONG_TITLE)
        assert len(slug) <= SLUG_LENGTH
        assert slug == "islamic-state-expanding-footprint-in-pakistan-as-the-khorasan-province-claims"
        assert f"{slug}-" in f"{trim_slug(LONG_TITLE.lower().replace(' ', '-'), 500)}-"  # whole words only

    def test_a_single_overlong_word_is_cut(self):
        assert trim_slug("a" * 100) == "a" * SLUG_LENGTH

    def test_without_a_title_the_outlet_and_date_then_the_opening_words(self):
        day = datetime.date(2022, 3, 4)
        assert slug_base(title="", outlet="Dawn", published=day, text="Quetta: gunmen…") == "dawn-2022-03-04"
        assert slug_base(title="", outlet="", published=day) == "2022-03-04"
        assert slug_base(title="", text="Islamabad: A major Pakistani militant group worked with the Islamic State") == (
            "islamabad-a-major-pakistani-militant-group-worked-with"
        )

    def test_never_empty(self):
        assert slug_base(title="؟؟", outlet="", text="… — …") == "source"
        assert slug_base(title="", text="") == "source"

    def test_candidates_add_the_outlet_the_date_then_a_number(self):
        candidates = slug_candidates(title="Attack in Quetta", outlet="Dawn", published=datetime.date(2022, 3, 4))
        assert [next(candidates) for _ in range(5)] == [
            "attack-in-quetta",
            "attack-in-quetta-dawn",
            "attack-in-quetta-2022-03-04",
            "attack-in-quetta-2",
            "attack-in-quetta-3",
        ]

    def test_suffixed_candidates_stay_short(self):
        candidates = slug_candidates(title=LONG_TITLE, outlet="Pakistan Today", published=datetime.date(2022, 3, 4))
        assert all(len(next(candidates)) <= SLUG_LENGTH for _ in range(12))


def new_source(user, **values) -> Source:
    values = {"text": "Quetta: gunmen attacked the police college.", "publication_status": PublicationStatus.PUBLISHED, **values}
    return record_save(instance=Source(**values), user=user, reason="New article")


class TestNewSources:
    def test_a_new_source_gets_its_slug_from_its_title(self, admin_user):
        assert new_source(admin_user, title="Attack in Quetta").slug == "attack-in-quetta"

    def test_taken_slugs_get_the_outlet_the_date_or_a_number(self, admin_user):
        same = {"title": "Attack in Quetta", "outlet": "Dawn", "published": datetime.date(2022, 3, 4), "published_precision": "day"}
        first, second, third, fourth = (new_source(admin_user, **same, url=f"https://example.org/{n}") for n in range(4))
        assert [first.slug, second.slug, third.slug, fourth.slug] == [
            "attack-in-quetta",
            "attack-in-quetta-dawn",
            "attack-in-quetta-2022-03-04",
            "attack-in-quetta-2",
        ]

    def test_an_earlier_address_of_another_source_is_not_given_out(self, admin_user):
        SourceFactory(slug="renamed", previous_slugs=["attack-in-quetta"])
        assert new_source(admin_user, title="Attack in Quetta").slug == "attack-in-quetta-2"

    def test_an_untitled_source_is_addressed_by_its_opening_words(self, admin_user):
        assert new_source(admin_user, title="").slug == "quetta-gunmen-attacked-the-police-college"

    def test_a_source_saved_without_the_services_gets_one_too(self):
        assert SourceFactory(slug="", title="Attack in Quetta").slug == "attack-in-quetta"

    def test_the_admin_makes_the_slug_when_left_empty(self, admin_client):
        data = {"title": "New article from Quetta", "slug": "", "text": "The group claimed the attack.", "language": "en"}
        data.update({"publication_status": "draft", "published_precision": "unknown", "change_reason": "New article"})
        data.update({"citations-TOTAL_FORMS": "0", "citations-INITIAL_FORMS": "0"})
        response = admin_client.post("/admin/sources/source/add/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert Source.objects.get().slug == "new-article-from-quetta"


class TestChangedSlugs:
    def test_a_changed_slug_keeps_the_old_one_and_going_back_drops_it(self, admin_user):
        source = new_source(admin_user, title="Attack in Quetta")
        source.slug = "quetta-police-college-attack"
        record_save(instance=source, user=admin_user, reason="Clearer address")
        source.refresh_from_db()
        assert source.previous_slugs == ["attack-in-quetta"]
        source.slug = "attack-in-quetta"
        record_save(instance=source, user=admin_user, reason="Back")
        source.refresh_from_db()
        assert (source.slug, source.previous_slugs) == ("attack-in-quetta", ["quetta-police-college-attack"])

    def test_a_revert_to_an_old_version_loses_no_address(self, admin_user):
        source = new_source(admin_user, title="Attack in Quetta")
        for slug in ("second-address", "third-address"):
            source.slug = slug
            record_save(instance=source, user=admin_user, reason="Renamed")
        first_version = source.history.order_by("history_id").first().instance
        record_revert(instance=first_version, user=admin_user, reason="Back to the first")
        source.refresh_from_db()
        assert source.slug == "attack-in-quetta"
        assert source.previous_slugs == ["second-address", "third-address"]

    def test_an_earlier_address_of_another_source_may_not_be_taken(self, admin_user):
        SourceFactory(slug="renamed", title="Renamed article", previous_slugs=["old-address"])
        source = new_source(admin_user, title="Attack in Quetta")
        source.slug = "old-address"
        with pytest.raises(ValidationError) as error:
            record_save(instance=source, user=admin_user, reason="Renamed")
        assert list(error.value.message_dict) == ["slug"]
        assert "“old-address” was the address of another source, Renamed article, and still leads there" in error.value.messages[0]

    def test_the_admin_says_so(self, admin_client):
        SourceFactory(slug="renamed", title="Renamed article", previous_slugs=["old-address"])
        data = {"title": "Other", "slug": "old-address", "text": "The group claimed the attack.", "language": "en"}
        data.update({"publication_status": "draft", "published_precision": "unknown", "change_reason": "New article"})
        data.update({"citations-TOTAL_FORMS": "0", "citations-INITIAL_FORMS": "0"})
        response = admin_client.post("/admin/sources/source/add/", data)
        assert response.status_code == 200
        assert "still leads there" in response.context["adminform"].form.errors["slug"][0]
        assert Source.objects.count() == 1


@pytest.fixture
def renamed():
    return SourceFactory(slug="attack-in-quetta", title="Attack in Quetta", previous_slugs=["4066d30c1cf974a5", "first-try"])


class TestRedirects:
    def test_an_earlier_slug_redirects_permanently_to_the_page(self, client, renamed):
        for old in renamed.previous_slugs:
            response = client.get(f"/sources/{old}/")
            assert (response.status_code, response["Location"]) == (301, "/sources/attack-in-quetta/")
        assert client.get("/sources/attack-in-quetta/").status_code == 200

    def test_the_api_redirects_too(self, client, renamed):
        response = client.get("/api/v1/sources/4066d30c1cf974a5/?format=json")
        assert (response.status_code, response["Location"]) == (301, "/api/v1/sources/attack-in-quetta/?format=json")
        assert client.get("/api/v1/sources/attack-in-quetta/").json()["slug"] == "attack-in-quetta"

    def test_a_draft_is_not_found_by_an_earlier_slug(self, client):
        SourceFactory(slug="draft-article", previous_slugs=["4066d30c1cf974a5"], publication_status=PublicationStatus.DRAFT)
        assert client.get("/sources/4066d30c1cf974a5/").status_code == 404
        assert client.get("/api/v1/sources/4066d30c1cf974a5/").status_code == 404
        assert b"draft-article" not in client.get("/api/v1/sources/4066d30c1cf974a5/").content

    def test_a_current_slug_wins_over_an_earlier_one_and_an_id(self, client, renamed):
        other = SourceFactory(slug=str(renamed.pk), title="Numbered")
        assert b"Numbered" in client.get(f"/sources/{renamed.pk}/").content
        SourceFactory(slug="elsewhere", previous_slugs=[str(other.pk)])
        assert client.get(f"/sources/{other.pk}/")["Location"] == "/sources/elsewhere/"

    def test_filters_by_source_take_an_earlier_slug(self, client, renamed):
        cited = CitationFactory(group=GroupFactory(), source=renamed, quote=QUOTE)
        for key in ("attack-in-quetta", "first-try", "4066d30c1cf974a5"):
            body = client.get("/api/v1/citations/", {"source": key}).json()
            assert [citation["id"] for citation in body["results"]] == [cited.pk], key
        assert client.get("/api/v1/citations/", {"source": "never-used"}).json()["results"] == []

    def test_unknown_addresses_are_404(self, client, renamed):
        assert client.get("/sources/no-such-source/").status_code == 404
        assert client.get("/api/v1/sources/no-such-source/").status_code == 404


class TestMigration:
    def run(self):
        with connection.schema_editor() as editor:
            migration.readable_source_slugs(apps, editor)

    def test_hex_slugs_become_readable_and_redirect(self, client):
        day = datetime.date(2022, 3, 12)
        titled = SourceFactory(
            slug="4066d30c1cf974a5", title="Islamic State expanding footprint in Pakistan", published=day, published_precision="day"
        )
        twin = SourceFactory(slug="e3ca868f480167ee", title="Islamic State expanding footprint in Pakistan", outlet="Dawn")
        untitled = SourceFactory(slug="f7782534bcd9eed8", title="", outlet="")
        kept = [SourceFactory(slug="gtd-201610240002").pk, SourceFactory(slug="attack-in-quetta").pk, SourceFactory(slug="2016").pk]
        history_before = Source.history.count()
        self.run()
        slugs = dict(Source.objects.values_list("pk", "slug"))
        assert slugs[titled.pk] == "islamic-state-expanding-footprint-in-pakistan"
        assert slugs[twin.pk] == "islamic-state-expanding-footprint-in-pakistan-dawn"
        assert slugs[untitled.pk] == "islamabad-a-major-pakistani-militant-group-worked-with"
        assert [slugs[pk] for pk in kept] == ["gtd-201610240002", "attack-in-quetta", "2016"]
        assert Source.objects.get(pk=titled.pk).previous_slugs == ["4066d30c1cf974a5"]
        assert Source.history.count() == history_before + 3
        latest = Source.history.filter(id=titled.pk).order_by("-history_id").first()
        assert (latest.slug, latest.history_type, latest.history_change_reason) == (slugs[titled.pk], "~", migration.REASON)
        assert Source.objects.get(pk=titled.pk).updated_at == latest.history_date
        assert client.get("/sources/4066d30c1cf974a5/")["Location"] == "/sources/islamic-state-expanding-footprint-in-pakistan/"

    def test_a_slug_in_use_is_not_given_twice(self):
        SourceFactory(slug="attack-in-quetta", title="Attack in Quetta")
        SourceFactory(slug="renamed", previous_slugs=["attack-in-quetta-2"])
        hex_ones = [SourceFactory(slug=f"{n:016x}", title="Attack in Quetta", outlet="").pk for n in range(1, 4)]
        self.run()
        assert sorted(Source.objects.filter(pk__in=hex_ones).values_list("slug", flat=True)) == [
            "attack-in-quetta-3",
            "attack-in-quetta-4",
            "attack-in-quetta-5",
        ]

    def test_a_second_run_changes_nothing(self):
        SourceFactory(slug="4066d30c1cf974a5", title="Islamic State expanding footprint in Pakistan")
        self.run()
        rows, history = list(Source.objects.values()), Source.history.count()
        self.run()
        assert list(Source.objects.values()) == rows and Source.history.count() == history


def test_the_demo_sources_are_addressed_by_title_and_their_keys_redirect(client):
    load_demo_data()
    assert set(Source.objects.values_list("slug", flat=True)) == {
        "washington-a-new-al-qaeda-inspired-militant-group-which-has",
        "is-emerging-in-karachi",
        "pak-militant-group-worked-with-isis-on-police-attack-spokesman",
        "islamic-state-expanding-footprint-in-pakistan",
        "islamic-state-announces-pakistan-province",
    }
    response = client.get("/sources/4066d30c1cf974a5/")
    assert (response.status_code, response["Location"]) == (301, "/sources/islamic-state-expanding-footprint-in-pakistan/")
    assert load_demo_data().total_written == 0
