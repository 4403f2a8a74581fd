"""People in public roles in groups, and estimates of a groups' size: their rules, citations and review."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from groups.models import GroupRole, Person, RoleKind, SizeEstimate
from kb.dates import DatePrecision
from kb.models import PendingAction, PendingChange, PublicationStatus, ReviewStatus
from kb.services import UncitedFact, change_set_approve, record_save
from sources.models import Citation
from sources.services import citation_upsert
from tests.factories import CitationFactory, GroupFactory, GroupRoleFactory, PersonFactory, SizeEstimateFactory, SourceFactory

pytestmark = pytest.mark.django_db
DRAFT, PUBLISHED = PublicationStatus.DRAFT, PublicationStatus.PUBLISHED
QUOTE = "a spokesman said Wednesday"


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class TestPeople:
    def test_a_person_is_recorded_once_in_any_spelling(self):
        PersonFactory(name="Abu Bakr al-Baghdadi")
        with pytest.raises(ValidationError) as error:
            PersonFactory.build(name="abu bakr al baghdadi", slug="other").full_clean()
        assert "already recorded" in messages(error.value) and "add the role to them" in messages(error.value)

    def test_the_database_refuses_a_second_record_of_a_name_too(self):
        PersonFactory(name="Ali bin Sufyan")
        with pytest.raises(IntegrityError, match="person_name_unique"), transaction.atomic():
            PersonFactory(name="ALI BIN SUFYAN")

    def test_another_person_of_the_same_name_is_recorded_once_the_editor_says_so(self):
        first = PersonFactory(name="Ali bin Sufyan")
        namesake = PersonFactory.build(name="ali bin sufyan", slug="ali-bin-sufyan-2")
        with pytest.raises(ValidationError) as error:
            namesake.full_clean()
        assert "another person of the same name" in messages(error.value)
        namesake.namesake_acknowledged = True
        namesake.full_clean()
        namesake.save()
        assert set(Person.objects.filter(normalized_name=first.normalized_name)) == {first, namesake}
        with pytest.raises(ValidationError, match="at least one letter"):
            PersonFactory.build(name="—", slug="dash", namesake_acknowledged=True).full_clean()
        with pytest.raises(IntegrityError, match="person_name_unique"), transaction.atomic():
            PersonFactory(name="Ali Bin Sufyan", slug="ali-bin-sufyan-3")  # not acknowledged: still one record per name

    def test_the_admin_keeps_namesakes_apart(self, admin_client):
        PersonFactory(name="Ali bin Sufyan", slug="ali-bin-sufyan")
        form = {"name": "Ali bin Sufyan", "slug": "ali-bin-sufyan-2", "publication_status": DRAFT, "change_reason": "Second person",
                "roles-TOTAL_FORMS": "0", "roles-INITIAL_FORMS": "0"}  # fmt: skip
        response = admin_client.post("/admin/groups/person/add/", form)
        assert response.status_code == 200 and "another person of the same name" in response.content.decode()
        assert Person.objects.count() == 1
        response = admin_client.post("/admin/groups/person/add/", {**form, "namesake_acknowledged": "on"})
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Person.objects.filter(slug="ali-bin-sufyan-2", namesake_acknowledged=True).exists()

    def test_a_person_has_a_name_and_nothing_else(self):
        assert {field.name for field in Person._meta.concrete_fields} == {
            "id", "name", "normalized_name", "slug", "namesake_acknowledged", "publication_status", "created_at", "updated_at",
        }  # fmt: skip


class TestRoles:
    def test_another_public_role_needs_its_title(self):
        with pytest.raises(ValidationError) as error:
            GroupRoleFactory.build(person=PersonFactory(), group=GroupFactory(), kind=RoleKind.OTHER).full_clean()
        assert "give its title as the source words it" in messages(error.value)
        GroupRoleFactory.build(person=PersonFactory(), group=GroupFactory(), kind=RoleKind.OTHER, title="emir").full_clean()

    def test_a_role_cannot_end_before_it_began_and_keeps_its_dates_precision(self):
        role = GroupRoleFactory.build(
            person=PersonFactory(),
            group=GroupFactory(),
            started=datetime.date(2016, 1, 1),
            started_precision=DatePrecision.YEAR,
            ended=datetime.date(2015, 1, 1),
            ended_precision=DatePrecision.YEAR,
        )
        with pytest.raises(ValidationError) as error:
            role.full_clean()
        assert "end of the role cannot come before the start" in messages(error.value)
        role.as_of, role.as_of_precision = datetime.date(2016, 10, 26), DatePrecision.MONTH
        with pytest.raises(ValidationError) as error:
            role.full_clean()
        assert "known to the month is stored as the first day" in messages(error.value)

    def test_the_same_role_twice_is_refused(self):
        role = GroupRoleFactory()
        with pytest.raises(IntegrityError, match="grouprole_unique"), transaction.atomic():
            GroupRoleFactory(person=role.person, group=role.group, kind=role.kind)

    def test_dates_read_as_precisely_as_known(self):
        role = GroupRoleFactory.build(kind=RoleKind.LEADER, title="emir")
        assert (role.role_display, role.period_display) == ("Leader (“emir”)", "dates unknown")
        role.as_of, role.as_of_precision = datetime.date(2016, 10, 1), DatePrecision.MONTH
        assert role.period_display == "as of Oct 2016"
        role.started, role.started_precision = datetime.date(2014, 1, 1), DatePrecision.YEAR
        assert role.period_display == "since 2014"


class TestSizeEstimates:
    def test_the_lowest_figure_cannot_be_above_the_highest(self):
        estimate = SizeEstimateFactory.build(group=GroupFactory(), low=500, high=300)
        with pytest.raises(ValidationError) as error:
            estimate.full_clean()
        assert "lowest figure cannot be above the highest" in messages(error.value)
        with pytest.raises(IntegrityError, match="sizeestimate_low_not_above_high"), transaction.atomic():
            estimate.save()

    def test_an_estimate_says_whose_it_is(self):
        with pytest.raises(IntegrityError, match="sizeestimate_attributed"), transaction.atomic():
            SizeEstimateFactory(estimated_by="")

    def test_only_a_single_figure_takes_a_qualifier(self):
        with pytest.raises(ValidationError) as error:
            SizeEstimateFactory.build(group=GroupFactory(), low=300, high=500, qualifier="about").full_clean()
        assert "A range needs no qualifier" in messages(error.value)

    def test_figures_read_as_the_source_gives_them(self):
        assert SizeEstimateFactory.build(low=3000, high=4000, counted="fighters").figure_display == "3,000–4,000 fighters"
        assert SizeEstimateFactory.build(low=500, high=500, qualifier="about", counted="").figure_display == "about 500"
        assert SizeEstimateFactory.build(low=1200, high=1200, counted="members").figure_display == "1,200 members"


# --- Citations and review ---------------------------------------------------------------------------------------


def test_a_role_or_estimate_without_a_published_citation_is_not_published(reviewer):
    group = GroupFactory()
    CitationFactory(group=group)
    role = GroupRoleFactory(group=group, publication_status=DRAFT)
    citation = CitationFactory(group_role=role, group=None, quote=QUOTE, publication_status=DRAFT)
    role.publication_status = PUBLISHED
    with pytest.raises(UncitedFact, match="role"):
        record_save(instance=role, user=reviewer, reason="Publish")
    estimate = SizeEstimateFactory(group=group, publication_status=DRAFT)
    estimate.publication_status = PUBLISHED
    with pytest.raises(UncitedFact, match="size estimate"):
        record_save(instance=estimate, user=reviewer, reason="Publish")
    citation.publication_status = PUBLISHED
    record_save(instance=citation, user=reviewer, reason="The words")
    role.refresh_from_db()
    role.publication_status = PUBLISHED
    record_save(instance=role, user=reviewer, reason="Publish, cited")
    assert GroupRole.objects.public().filter(pk=role.pk).exists()


def test_publishing_a_person_checks_the_roles_it_makes_public(reviewer):
    person = PersonFactory(publication_status=DRAFT)
    GroupRoleFactory(person=person, group=GroupFactory(name="Uncited Front"))  # published, hidden by its draft person
    person.publication_status = PUBLISHED
    with pytest.raises(UncitedFact, match="Uncited Front"):
        record_save(instance=person, user=reviewer, reason="Publish")


def test_a_role_is_public_only_while_its_person_and_group_are(reviewer):
    role = GroupRoleFactory()
    CitationFactory(group_role=role, group=None, quote=QUOTE)
    assert GroupRole.objects.public().filter(pk=role.pk).exists()
    role.person.publication_status = DRAFT
    record_save(instance=role.person, user=reviewer, reason="Withdraw the name")
    assert not GroupRole.objects.public().filter(pk=role.pk).exists()
    assert not Citation.objects.public().filter(group_role=role).exists()


def test_citations_of_roles_and_estimates_are_written_by_the_citation_service(reviewer):
    role, estimate, source = GroupRoleFactory(), SizeEstimateFactory(), SourceFactory()
    cited_role, _ = citation_upsert(target=role, source=source, quote=QUOTE, user=reviewer, reason="The words")
    cited_estimate, _ = citation_upsert(target=estimate, source=source, quote=QUOTE, field="as_of", user=reviewer, reason="The words")
    assert (cited_role.target, cited_estimate.target) == (role, estimate)
    with pytest.raises(ValidationError, match="Size estimate citations can support"):
        citation_upsert(target=estimate, source=source, quote=QUOTE, field="summary", user=reviewer, reason="The words")


def test_an_editors_edit_of_a_published_role_waits_for_review(editor, reviewer):
    role = GroupRoleFactory(title="spokesman")
    CitationFactory(group_role=role, group=None, quote=QUOTE)
    role.title = "chief spokesman"
    record_save(instance=role, user=editor, reason="As the article words it")
    role.refresh_from_db()
    assert role.title == "spokesman"
    pending = PendingChange.objects.get(object_id=role.pk, content_type__model="grouprole", status=ReviewStatus.PENDING)
    assert pending.action == PendingAction.CHANGE and pending.values == {"title": "chief spokesman"}
    change_set_approve(change_set=pending.change_set, user=reviewer, reason="Checked")
    role.refresh_from_db()
    assert role.title == "chief spokesman"


def test_an_editors_new_estimate_is_a_draft_queued_for_publishing(editor):
    estimate = record_save(
        instance=SizeEstimate(group=GroupFactory(), low=100, high=200, estimated_by="Officials"),
        user=editor,
        reason="From the article",
    )
    assert estimate.publication_status == DRAFT
    assert PendingChange.objects.filter(object_id=estimate.pk, action=PendingAction.PUBLISH).exists()
