"""Every curated model's admin renders, saves with a reason, and keeps history."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from groups.models import (
    Affiliation,
    Alias,
    Attack,
    Attribution,
    Designation,
    Group,
    GroupRole,
    GroupSection,
    GtdPerpetratorName,
    Person,
    SizeEstimate,
    Theatre,
    TheatreGroup,
)
from kb.models import PublicationStatus
from kb.services import record_save
from sources.models import Citation, Source
from tests.admin.page_forms import add_inline_row, form_data
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    CitationFactory,
    DesignationFactory,
    GroupFactory,
    GroupRoleFactory,
    GroupSectionFactory,
    GtdPerpetratorNameFactory,
    PersonFactory,
    SizeEstimateFactory,
    SourceFactory,
    TheatreFactory,
    TheatreGroupFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = {
    Group: GroupFactory, Alias: AliasFactory, Affiliation: AffiliationFactory, Designation: DesignationFactory,
    Attack: AttackFactory, Attribution: AttributionFactory, Source: SourceFactory, Citation: CitationFactory,
    GtdPerpetratorName: GtdPerpetratorNameFactory, Person: PersonFactory, GroupRole: GroupRoleFactory,
    SizeEstimate: SizeEstimateFactory, GroupSection: GroupSectionFactory, Theatre: TheatreFactory, TheatreGroup: TheatreGroupFactory,
}  # fmt: skip


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def new_record_values():
    """Field values that make a valid new record of each model, given what already exists."""
    group, other, source, attack = GroupFactory(), GroupFactory(), SourceFactory(), AttackFactory()
    return {
        Group: {"name": "Ansar al-Sharia Pakistan", "slug": "ansar-al-sharia-pakistan"},
        Alias: {"group": group.pk, "name": "ASP", "kind": "acronym"},
        Affiliation: {"from_group": group.pk, "to_group": other.pk, "kind": "inspired_by"},
        Designation: {"group": group.pk, "authority": "United Nations", "listing": "global terrorist"},
        Attack: {"title": "Attack on a police college", "slug": "police-college-attack"},
        Attribution: {"attack": attack.pk, "group": group.pk, "kind": "claimed"},
        Source: {"slug": "new-article", "title": "New article", "text": "The group claimed the attack."},
        Citation: {"source": source.pk, "group": group.pk, "quote": "It was also claimed by the Islamic State group"},
        GtdPerpetratorName: {"name": "Ansar al-Sharia (Pakistan)", "group": group.pk},
        Person: {"name": "Ali bin Sufyan", "slug": "ali-bin-sufyan"},
        GroupRole: {"person": PersonFactory().pk, "group": group.pk, "kind": "spokesman"},
        SizeEstimate: {"group": group.pk, "low": "3000", "high": "4000", "estimated_by": "UN Monitoring Team"},
        GroupSection: {"group": group.pk, "topic": "ideology_and_aims", "text": "According to the article, the group seeks a caliphate."},
        Theatre: {"name": "Afghanistan and Pakistan", "slug": "afghanistan-and-pakistan", "start_year": "2014", "countries": "AF"},
        TheatreGroup: {"theatre": TheatreFactory().pk, "group": group.pk},
    }


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
def test_list_add_change_and_history_pages_render(admin_client, model):
    record = FACTORIES[model]()
    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", record.pk),
        admin_url(model, "history", record.pk),
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
def test_add_saves_with_a_reason_recorded_in_history(admin_client, admin_user, model):
    values = new_record_values()[model]
    page = admin_client.get(admin_url(model, "add"))
    data = {**form_data(page), **{k: str(v) for k, v in values.items()}, "change_reason": "Curated from the article"}
    response = admin_client.post(admin_url(model, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    record = model.objects.latest("created_at")
    latest = record.history.latest()
    assert (latest.history_type, latest.history_user, latest.history_change_reason) == ("+", admin_user, "Curated from the article")


A_CHANGE = {
    Group: ("summary", "Checked summary."),
    Alias: ("kind", "exonym"),
    Affiliation: ("description", "Checked."),
    Designation: ("description", "Checked."),
    Attack: ("title", "Checked title"),
    Attribution: ("description", "Checked."),
    Source: ("title", "Checked title"),
    Citation: ("locator", "paragraph 2"),
    GtdPerpetratorName: ("note", "GTD's spelling since 2015."),
    Person: ("name", "Abu Omar"),
    GroupRole: ("title", "chief spokesman"),
    SizeEstimate: ("description", "Checked."),
    GroupSection: ("heading", "Aims"),
    Theatre: ("description", "Checked."),
    TheatreGroup: ("publication_status", "draft"),
}


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
def test_change_saves_with_a_reason(admin_client, admin_user, model):
    record = FACTORIES[model]()
    url = admin_url(model, "change", record.pk)
    field, value = A_CHANGE[model]
    data = {**form_data(admin_client.get(url)), field: value, "change_reason": "Checked against the article"}
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert record.history.latest().history_change_reason == "Checked against the article"


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
def test_an_unchanged_save_writes_nothing(admin_client, model):
    record = FACTORIES[model]()
    url = admin_url(model, "change", record.pk)
    rows = record.history.count()
    response = admin_client.post(url, {**form_data(admin_client.get(url)), "change_reason": "Looked at it"})
    assert response.status_code == 302
    assert record.history.count() == rows


def test_saving_without_a_reason_is_refused_with_a_form_error(admin_client):
    group = GroupFactory(summary="Old summary")
    url = admin_url(Group, "change", group.pk)
    data = {**form_data(admin_client.get(url)), "summary": "New summary"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    group.refresh_from_db()
    assert group.summary == "Old summary" and group.history.count() == 1


def test_inline_alias_is_saved_through_the_service_with_the_reason(admin_client, admin_user):
    group = GroupFactory(name="Islamic State")
    url = admin_url(Group, "change", group.pk)
    data = add_inline_row(form_data(admin_client.get(url)), "aliases", name="Daesh", kind="exonym", language="ar", script="Latn")
    data["change_reason"] = "Name used in the 2016 article"
    assert admin_client.post(url, data).status_code == 302
    alias = group.aliases.get()
    assert alias.normalized_name == "daish"
    assert (alias.history.get().history_user, alias.history.get().history_change_reason) == (admin_user, "Name used in the 2016 article")


def test_inline_citation_with_a_quote_not_in_the_article_is_a_form_error(admin_client):
    group, source = GroupFactory(), SourceFactory()
    url = admin_url(Group, "change", group.pk)
    data = add_inline_row(form_data(admin_client.get(url)), "citations", source=source.pk, quote="a sentence nobody wrote")
    data["change_reason"] = "cite"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "does not appear verbatim" in response.content.decode()
    assert not Citation.objects.exists()


def test_a_source_edit_that_would_break_a_citation_is_a_form_error(reviewer_client):
    quote = "It was also claimed by the Islamic State group"
    citation = CitationFactory(quote=quote)
    url = admin_url(Source, "change", citation.source.pk)
    data = form_data(reviewer_client.get(url))
    data.update(text=data["text"].replace(quote, "Nobody claimed it"), change_reason="Shorter")
    response = reviewer_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"This edit would break 1 citation(s) whose quotes no longer appear in the text: “{quote}”" in page
    assert "This quote does not appear verbatim" in page  # on the citation's own row
    citation.source.refresh_from_db()
    assert quote in citation.source.text and citation.source.history.count() == 1


def test_two_identical_aliases_in_one_submission_are_caught(admin_client):
    group = GroupFactory()
    url = admin_url(Group, "change", group.pk)
    data = form_data(admin_client.get(url))
    add_inline_row(data, "aliases", name="TTP", kind="acronym")
    add_inline_row(data, "aliases", name="ttp", kind="acronym")
    data["change_reason"] = "names"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "This alias is listed twice." in response.content.decode()
    assert not Alias.objects.exists()


def test_an_alias_shared_with_another_group_needs_acknowledging_in_the_admin(admin_client):
    AliasFactory(group=GroupFactory(name="Islamic State"), name="Daesh")
    other = GroupFactory()
    url = admin_url(Group, "change", other.pk)
    data = add_inline_row(form_data(admin_client.get(url)), "aliases", name="Daish", kind="exonym")
    data["change_reason"] = "names"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "is also a name of “Islamic State”" in response.content.decode()
    data["aliases-0-shared_name_acknowledged"] = "on"
    assert admin_client.post(url, data).status_code == 302
    assert other.aliases.get().name == "Daish"


def test_a_new_group_with_inline_aliases_and_citations(admin_client):
    source = SourceFactory()
    page = admin_client.get(admin_url(Group, "add"))
    data = form_data(page)
    data.update(name="Lashkar-e-Jhangvi Al-Alami", slug="lej-al-alami", change_reason="From the 2016 article")
    add_inline_row(data, "aliases", name="LeJ Al-Alami", kind="short_form")
    add_inline_row(data, "citations", source=source.pk, quote="the Al-Alami faction of the Lashkar-e-Jhangvi (LeJ) group", field="name")
    assert admin_client.post(admin_url(Group, "add"), data).status_code == 302
    group = Group.objects.get(slug="lej-al-alami")
    assert [a.name for a in group.aliases.all()] == ["LeJ Al-Alami"]
    assert group.citations.get().field == "name"


def test_history_page_shows_who_changed_what_from_what_to_what(admin_client, admin_user):
    group = GroupFactory(status="unknown")
    url = admin_url(Group, "change", group.pk)
    data = {**form_data(admin_client.get(url)), "status": "active", "change_reason": "Article reports recent attacks"}
    admin_client.post(url, data)
    page = admin_client.get(admin_url(Group, "history", group.pk)).content.decode()
    assert "Article reports recent attacks" in page
    assert admin_user.username in page
    assert re.search(r"Status:</strong>\s*unknown\s*&nbsp;&rarr;&nbsp;&nbsp;active", page)


def test_revert_to_an_earlier_version_needs_a_reason_and_adds_history(admin_client, admin_user):
    group = GroupFactory(summary="First summary")
    first_version = group.history.get()
    url = admin_url(Group, "change", group.pk)
    admin_client.post(url, {**form_data(admin_client.get(url)), "summary": "Second summary", "change_reason": "rewrite"})

    revert_url = reverse("admin:groups_group_simple_history", args=[group.pk, first_version.history_id])
    page = admin_client.get(revert_url)
    assert page.status_code == 200
    data = form_data(page)
    assert data["summary"] == "First summary"
    refused = admin_client.post(revert_url, data)
    assert refused.status_code == 200 and "change_reason" in refused.context["adminform"].form.errors
    assert admin_client.post(revert_url, {**data, "change_reason": "Second summary was unsupported"}).status_code == 302

    group.refresh_from_db()
    assert group.summary == "First summary"
    latest = group.history.latest()
    assert (group.history.count(), latest.history_change_reason, latest.history_user) == (3, "Second summary was unsupported", admin_user)


def test_delete_asks_for_a_reason_and_records_it(admin_client, admin_user):
    group = GroupFactory()
    alias = AliasFactory(group=group)
    ids = (group.pk, alias.pk)
    url = admin_url(Group, "delete", group.pk)
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "Give a reason for deleting this record." in response.content.decode()
    assert Group.objects.filter(pk=ids[0]).exists()

    assert admin_client.post(url, {"post": "yes", "change_reason": "Duplicate profile"}).status_code == 302
    assert not Group.objects.filter(pk=ids[0]).exists()
    for model, pk in zip((Group, Alias), ids, strict=True):
        deleted = model.history.get(id=pk, history_type="-")
        assert (deleted.history_change_reason, deleted.history_user) == ("Duplicate profile", admin_user)


def test_bulk_delete_is_not_offered(admin_client):
    GroupFactory()
    response = admin_client.get(admin_url(Group, "changelist"))
    assert "delete_selected" not in response.content.decode()


def test_admin_search_finds_a_group_by_any_spelling(admin_client):
    ttp = GroupFactory(name="Tehrik-e-Taliban Pakistan")
    AliasFactory(group=ttp, name="Pakistani Taliban")
    GroupFactory(name="Afghan Taliban")
    for term in ("tehreek e taliban", "Tehrik-i-Taliban", "pakistani-taliban"):
        result = admin_client.get(admin_url(Group, "changelist"), {"q": term})
        assert list(result.context["cl"].result_list) == [ttp], term


def test_group_autocomplete_serves_the_related_fields(admin_client):
    GroupFactory(name="Islamic State")
    url = reverse("admin:autocomplete")
    response = admin_client.get(url, {"term": "islamic", "app_label": "groups", "model_name": "affiliation", "field_name": "to_group"})
    assert [r["text"] for r in response.json()["results"]] == ["Islamic State"]


class TestRoles:
    def test_editors_save_drafts_and_cannot_publish(self, editor_client):
        page = editor_client.get(admin_url(Group, "add"))
        assert "publication_status" not in page.context["adminform"].form.fields
        data = {**form_data(page), "name": "New Front", "slug": "new-front", "publication_status": "published", "change_reason": "new"}
        assert editor_client.post(admin_url(Group, "add"), data).status_code == 302
        assert Group.objects.get(slug="new-front").publication_status == PublicationStatus.DRAFT

    def test_reviewers_publish(self, reviewer_client):
        group = GroupFactory(publication_status=PublicationStatus.DRAFT)
        CitationFactory(group=group)
        url = admin_url(Group, "change", group.pk)
        data = {**form_data(reviewer_client.get(url)), "publication_status": "published", "change_reason": "Reviewed"}
        assert reviewer_client.post(url, data).status_code == 302
        group.refresh_from_db()
        assert group.publication_status == PublicationStatus.PUBLISHED

    def test_editors_cannot_delete_sources_but_reviewers_can(self, client, editor, reviewer):
        source = SourceFactory()
        client.force_login(editor)
        assert client.get(admin_url(Source, "delete", source.pk)).status_code == 403
        assert client.get(admin_url(Group, "delete", GroupFactory().pk)).status_code == 200
        client.force_login(reviewer)
        assert client.post(admin_url(Source, "delete", source.pk), {"post": "yes", "change_reason": "Duplicate"}).status_code == 302
        assert not Source.objects.exists()

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client):
        response = client.get(admin_url(Group, "changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_countries_of_operation_save_and_filter_the_list(admin_client):
    group = GroupFactory(name="Islamic State Khorasan Province")
    GroupFactory(name="Jaish-e-Muhammad", countries=["PK"])
    url = admin_url(Group, "change", group.pk)
    data = {**form_data(admin_client.get(url)), "countries": ["PK", "AF"], "change_reason": "Bases in Afghanistan, cells in Pakistan"}
    assert admin_client.post(url, data).status_code == 302
    group.refresh_from_db()
    assert [c.code for c in group.countries] == ["AF", "PK"]
    afghanistan = admin_client.get(admin_url(Group, "changelist"), {"country": "AF"})
    assert list(afghanistan.context["cl"].result_list) == [group]
    assert len(admin_client.get(admin_url(Group, "changelist"), {"country": "PK"}).context["cl"].result_list) == 2


def test_citation_inline_offers_only_the_parents_citable_fields(admin_client):
    page = admin_client.get(admin_url(Attack, "change", AttackFactory().pk))
    field = next(i for i in page.context["inline_admin_formsets"] if i.formset.prefix == "citations").formset.empty_form.fields["field"]
    assert [value for value, _ in field.choices] == ["", *Attack.CITABLE_FIELDS]


def test_a_refusal_from_the_services_rolls_everything_back_with_a_message(admin_client, monkeypatch):
    group = GroupFactory(summary="Old summary")
    url = admin_url(Group, "change", group.pk)
    data = add_inline_row(form_data(admin_client.get(url)), "aliases", name="Daesh", kind="exonym")
    data.update(summary="New summary", change_reason="edit")

    def refuse_aliases(*, instance, user, reason, **options):
        if isinstance(instance, Alias):
            raise ValidationError("Simulated refusal.")
        return record_save(instance=instance, user=user, reason=reason, **options)

    monkeypatch.setattr("kb.admin.record_save", refuse_aliases)
    response = admin_client.post(url, data, follow=True)
    assert "Nothing was saved: Simulated refusal." in response.content.decode()
    group.refresh_from_db()
    assert group.summary == "Old summary" and not Alias.objects.exists() and group.history.count() == 1
