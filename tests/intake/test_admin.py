"""Adding a source in the admin: duplicates shown instead of created, what its text names, and citing it in a couple of clicks."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from groups.models import Alias, Attack
from intake.mentions import known_names_index
from kb.models import PublicationStatus
from sources.models import Citation, Source
from tests.admin.page_forms import form_data
from tests.admin.test_admin_pages import admin_url
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    GroupFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "Pak militant group worked with ISIS on police attack: spokesman\n\n"
    "Pakistani authorities said the attack was carried out by the Al-Alami faction of the Lashkar-e-Jhangvi (LeJ) group. "
    "It was also claimed by the Islamic State group, known as “Daesh” to its critics. This is what it is."
)


@pytest.fixture
def named_groups():
    islamic_state = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=islamic_state, name="Daesh", kind="exonym")
    AliasFactory(group=islamic_state, name="ISIS", kind="acronym")
    lej = GroupFactory(name="Lashkar-e-Jhangvi", slug="lashkar-e-jhangvi", publication_status=PublicationStatus.DRAFT)
    AliasFactory(group=lej, name="LeJ", kind="acronym")
    return islamic_state, lej


def mentions_url(source) -> str:
    return reverse("admin:sources_source_mentions", args=[source.pk])


def add_source(client, **values):
    page = client.get(admin_url(Source, "add"))
    data = {**form_data(page), "slug": "pak-militant-group", "title": "Pak militant group", "text": TEXT, "change_reason": "New article"}
    return client.post(admin_url(Source, "add"), {**data, **values})


# --- Duplicates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values, same",
    [
        ({"url": "HTTPS://www.Example.com:443/news/article/?utm_source=feed&id=7#top"}, "URL"),
        ({"url": "https://other.example/copy", "text": TEXT.replace("“Daesh”", '"Daesh"').replace(" group.", "  group.\n")}, "text"),
    ],
)
def test_an_article_already_recorded_is_shown_instead_of_added_again(editor_client, values, same):
    existing = SourceFactory(title="The first record", url="https://www.example.com/news/article?id=7", text=TEXT)
    response = add_source(editor_client, **values)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [same.lower()] and len(errors[same.lower()]) == 1
    assert f"already recorded, with the same {same}" in errors[same.lower()][0]
    page = response.content.decode()
    assert f'href="{admin_url(Source, "change", existing.pk)}">The first record</a>' in page
    assert f'href="{mentions_url(existing)}"' in page
    assert Source.objects.count() == 1


def test_changing_a_source_to_another_ones_url_is_refused_with_a_link(editor_client):
    first = SourceFactory(url="https://example.com/a")
    second = SourceFactory(url="https://example.com/b", text="Another article.")
    url = admin_url(Source, "change", second.pk)
    response = editor_client.post(url, {**form_data(editor_client.get(url)), "url": "https://example.com/a/", "change_reason": "URL"})
    assert response.status_code == 200
    assert f'href="{admin_url(Source, "change", first.pk)}"' in response.content.decode()
    second.refresh_from_db()
    assert second.url == "https://example.com/b"


def test_a_new_article_is_saved_and_leads_to_what_it_names(editor_client, editor, named_groups):
    response = add_source(editor_client, url="https://Example.com/pak?utm_medium=x")
    source = Source.objects.get(slug="pak-militant-group")
    assert response.status_code == 302 and response.url == mentions_url(source)
    assert source.url == "https://example.com/pak"
    assert source.publication_status == PublicationStatus.DRAFT
    history = source.history.get()
    assert (history.history_user, history.history_change_reason) == (editor, "New article")


def test_the_change_page_links_to_the_mentions(editor_client):
    source = SourceFactory()
    assert f'href="{mentions_url(source)}"' in editor_client.get(admin_url(Source, "change", source.pk)).content.decode()


# --- The mentions page ---------------------------------------------------------------------------------------


def test_the_mentions_page_lists_each_group_with_its_sentences_and_what_can_be_cited(editor_client, named_groups):
    islamic_state, lej = named_groups
    affiliation = AffiliationFactory(from_group=lej, to_group=islamic_state, kind="cooperated_with")
    attribution = AttributionFactory(group=islamic_state, attack=AttackFactory(title="Quetta police college attack"))
    source = SourceFactory(text=TEXT)
    response = editor_client.get(mentions_url(source))
    assert response.status_code == 200
    page = response.content.decode()

    blocks = {entry["entry"].group.slug: entry for entry in response.context["groups"]}
    assert list(blocks) == ["islamic-state", "lashkar-e-jhangvi"]  # in the order the text names them
    assert blocks["islamic-state"]["entry"].found.spellings == [("Daesh", 1), ("ISIS", 1), ("Islamic State", 1)]
    assert [row["sentence"].text for row in blocks["islamic-state"]["rows"]] == [
        "Pak militant group worked with ISIS on police attack: spokesman",
        "It was also claimed by the Islamic State group, known as “Daesh” to its critics.",
    ]
    assert blocks["lashkar-e-jhangvi"]["rows"][0]["parts"][1] == ("Lashkar-e-Jhangvi", True)
    assert "Lashkar-e-Jhangvi</a>\n      (draft)" in page
    assert "No citation from this source links it yet." in page
    options = re.findall(r'<option value="([a-z]+:\d+)">', page)
    for value in (f"group:{islamic_state.pk}", f"alias:{lej.aliases.get().pk}", f"affiliation:{affiliation.pk}"):
        assert value in options
    assert f"attack:{attribution.attack_id}" in options and f"attribution:{attribution.pk}" in options
    assert "<mark>Daesh</mark>" in page and "<mark>is</mark>" not in page
    assert [name["name"].name for name in response.context["possible_names"]] == ["Al-Alami"]


def test_a_group_cited_from_the_source_is_marked_as_linked(editor_client, named_groups):
    islamic_state, _ = named_groups
    source = SourceFactory(text=TEXT)
    CitationFactory(source=source, group=None, alias=islamic_state.aliases.get(name="Daesh"), quote="known as “Daesh”")
    blocks = {entry["entry"].group.slug: entry["entry"] for entry in editor_client.get(mentions_url(source)).context["groups"]}
    assert blocks["islamic-state"].linked and not blocks["lashkar-e-jhangvi"].linked


def test_the_mentions_page_runs_a_fixed_number_of_queries(editor_client, django_assert_num_queries, named_groups):
    source = SourceFactory(text=TEXT)
    editor_client.get(mentions_url(source))  # builds the index of names
    # session, user, the user's permissions by role and own, the source, the data version, the groups and their
    # aliases, relationships both ways, designations and attributions, the source's citations
    with django_assert_num_queries(15):  # with the source's pending change and its intake change set
        assert editor_client.get(mentions_url(source)).status_code == 200

    more = [GroupFactory(name=f"Front {n}", slug=f"front-{n}") for n in range(1, 6)]
    for group in more:
        AliasFactory(group=group, name=f"F{group.pk}X", kind="acronym")
        AttributionFactory(group=group)
        AffiliationFactory(from_group=group, to_group=named_groups[0])
    longer = SourceFactory(text=TEXT + " " + " ".join(f"Front {n} and F{g.pk}X said so." for n, g in enumerate(more, start=1)))
    editor_client.get(mentions_url(longer))
    with django_assert_num_queries(15):  # with the source's pending change and its intake change set
        response = editor_client.get(mentions_url(longer))
    assert len(response.context["groups"]) == 7


def test_the_mentions_page_needs_a_login_and_a_real_source(editor_client):
    source = SourceFactory()
    assert Client().get(mentions_url(source)).status_code == 302  # to the login page
    assert editor_client.get("/admin/sources/source/999999/mentions/").status_code == 404
    assert editor_client.get("/admin/sources/source/abc/mentions/").status_code == 404


# --- Citing a sentence ---------------------------------------------------------------------------------------


def cite(client, source, target, quote, reason="Quoted from the article", group=""):
    return client.post(
        reverse("admin:sources_source_cite", args=[source.pk]),
        {"target": target, "quote": quote, "change_reason": reason, "group": group},
        follow=True,
    )


def test_a_sentence_is_cited_for_a_record_with_the_editors_reason(editor_client, editor, named_groups):
    islamic_state, _ = named_groups
    daesh = islamic_state.aliases.get(name="Daesh")
    source = SourceFactory(text=TEXT)
    sentence = "It was also claimed by the Islamic State group, known as “Daesh” to its critics."
    response = cite(editor_client, source, f"alias:{daesh.pk}", sentence, group=islamic_state.pk)
    assert response.redirect_chain == [(f"{mentions_url(source)}#group-{islamic_state.pk}", 302)]
    citation = Citation.objects.get()
    assert (citation.source, citation.alias, citation.quote, citation.publication_status) == (source, daesh, sentence, "draft")
    history = citation.history.get()
    assert (history.history_type, history.history_user, history.history_change_reason) == ("+", editor, "Quoted from the article")
    assert "a draft citation" in response.content.decode()

    again = cite(editor_client, source, f"alias:{daesh.pk}", sentence)
    assert Citation.objects.count() == 1 and "already cited" in again.content.decode()


@pytest.mark.parametrize(
    "target, quote, reason, message",
    [
        ("alias:0", "It was also claimed by the Islamic State group", "why", "That record no longer exists."),
        ("source:1", "It was also claimed by the Islamic State group", "why", "Choose the record the sentence supports."),
        ("group:{group}", "A sentence the article never printed.", "why", "does not appear verbatim"),
        ("group:{group}", "It was also claimed by the Islamic State group", "", "Give a reason"),
    ],
)
def test_a_citation_that_cannot_be_made_says_why_and_saves_nothing(editor_client, named_groups, target, quote, reason, message):
    source = SourceFactory(text=TEXT)
    response = cite(editor_client, source, target.format(group=named_groups[0].pk), quote, reason)
    assert response.status_code == 200 and message in response.content.decode()
    assert "Nothing was cited" in response.content.decode()
    assert not Citation.objects.exists()


def test_citing_needs_a_post_and_the_right_to_add_citations(editor_client, named_groups):
    source = SourceFactory(text=TEXT)
    url = reverse("admin:sources_source_cite", args=[source.pk])
    assert editor_client.get(url).status_code == 405
    reader = UserFactory(username="reader", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_source"))
    client = Client()
    client.force_login(reader)
    assert client.get(mentions_url(source)).status_code == 200
    assert "Cite for" not in client.get(mentions_url(source)).content.decode()
    response = client.post(url, {"target": f"group:{named_groups[0].pk}", "quote": "This is what it is.", "change_reason": "x"})
    assert response.status_code == 403 and not Citation.objects.exists()


# --- New drafts that cite the sentence -----------------------------------------------------------------------


def test_a_new_alias_from_a_possible_name_opens_filled_in_and_saves_a_draft_with_its_citation(editor_client, editor, named_groups):
    _, lej = named_groups
    source = SourceFactory(text=TEXT)
    mentions = editor_client.get(mentions_url(source))
    ((label, link),) = [link for link in mentions.context["possible_names"][0]["rows"][0]["new_records"] if link[0] == "New alias"]
    query = parse_qs(urlsplit(link).query)
    assert query["name"] == ["Al-Alami"] and query["next"] == [mentions_url(source)]

    page = editor_client.get(link)
    assert page.context["adminform"].form["name"].value() == "Al-Alami"
    citation_row = page.context["inline_admin_formsets"][0].formset.forms[0]
    sentence = mentions.context["possible_names"][0]["rows"][0]["sentence"].text
    assert (citation_row["source"].value(), citation_row["quote"].value()) == (source.pk, sentence)

    data = {**form_data(page), "group": lej.pk, "kind": "short_form", "change_reason": "Name used by the article"}
    data.update({"citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk), "citations-0-quote": sentence})
    response = editor_client.post(link, data)
    assert response.status_code == 302 and response.url == mentions_url(source)
    alias = Alias.objects.get(name="Al-Alami")
    citation = alias.citations.get()
    assert (alias.group, alias.publication_status, citation.quote, citation.publication_status) == (lej, "draft", sentence, "draft")
    for record in (alias, citation):
        history = record.history.get()
        assert (history.history_user, history.history_change_reason) == (editor, "Name used by the article")


def test_a_new_attack_from_a_groups_sentence_starts_with_its_attribution_and_citation(editor_client, named_groups):
    islamic_state, _ = named_groups
    source = SourceFactory(text=TEXT)
    block = editor_client.get(mentions_url(source)).context["groups"][0]
    ((label, link),) = [link for link in block["rows"][1]["new_records"] if link[0] == "New attack"]
    page = editor_client.get(link)
    formsets = {inline.formset.prefix: inline.formset for inline in page.context["inline_admin_formsets"]}
    assert formsets["attributions"].forms[0]["group"].value() == islamic_state.pk
    assert formsets["citations"].forms[0]["quote"].value() == block["rows"][1]["sentence"].text

    data = {
        **form_data(page),
        "title": "Quetta police college attack",
        "slug": "quetta-police-college",
        "change_reason": "From the article",
    }
    data.update({"attributions-TOTAL_FORMS": "1", "attributions-0-group": str(islamic_state.pk), "attributions-0-kind": "claimed"})
    data.update(
        {"citations-TOTAL_FORMS": "1", "citations-0-source": str(source.pk), "citations-0-quote": block["rows"][1]["sentence"].text}
    )
    assert editor_client.post(link, data).status_code == 302
    attack = Attack.objects.get(slug="quetta-police-college")
    assert attack.publication_status == "draft"
    assert [a.group for a in attack.attributions.all()] == [islamic_state] and attack.citations.get().source == source


def test_a_next_address_elsewhere_is_ignored(editor_client):
    group = GroupFactory()
    url = admin_url(Alias, "add") + "?next=https://evil.example/"
    data = {**form_data(editor_client.get(url)), "group": group.pk, "name": "Other", "kind": "variant", "change_reason": "r"}
    response = editor_client.post(url, data)
    assert response.status_code == 302 and response.url == admin_url(Alias, "changelist")


def test_the_index_sees_a_name_added_from_the_mentions_page(editor_client, named_groups):
    source = SourceFactory(text=TEXT + " Al-Alami fighters were seen.")
    assert "Al-Alami" in [p.name for p in editor_client.get(mentions_url(source)).context["page"].possible_names]
    before = known_names_index()
    _, lej = named_groups
    AliasFactory(group=lej, name="Al-Alami", kind="short_form")
    page = editor_client.get(mentions_url(source)).context
    assert known_names_index() is not before
    assert page["page"].possible_names == []
    assert ("Al-Alami", 2) in [entry["entry"].found.spellings[0] for entry in page["groups"]]
