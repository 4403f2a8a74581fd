import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from groups.models import (
    Affiliation,
    AffiliationKind,
    Alias,
    Attack,
    Attribution,
    AttributionKind,
    CountQualifier,
    Group,
    groups_known_by,
)
from kb.dates import DatePrecision
from tests.factories import AffiliationFactory, AliasFactory, AttackFactory, AttributionFactory, GroupFactory

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


class TestPartialDates:
    def test_month_precision_must_be_first_of_month(self):
        group = GroupFactory.build(founded=datetime.date(2016, 10, 26), founded_precision=DatePrecision.MONTH)
        with pytest.raises(ValidationError) as error:
            group.full_clean()
        assert "known to the month is stored as the first day of that month" in messages(error.value)

    def test_year_level_precision_must_be_first_of_january(self):
        group = GroupFactory.build(founded=datetime.date(2017, 3, 1), founded_precision=DatePrecision.EARLY)
        with pytest.raises(ValidationError) as error:
            group.full_clean()
        assert "stored as 1 January of that year" in messages(error.value)

    def test_unknown_precision_means_no_date(self):
        group = GroupFactory.build(founded=datetime.date(2017, 1, 1), founded_precision=DatePrecision.UNKNOWN)
        with pytest.raises(ValidationError) as error:
            group.full_clean()
        assert "set its precision to unknown" in messages(error.value)

    def test_a_date_needs_a_precision_other_than_unknown(self):
        group = GroupFactory.build(founded=None, founded_precision=DatePrecision.YEAR)
        with pytest.raises(ValidationError):
            group.full_clean()

    def test_valid_partial_dates_pass(self):
        GroupFactory.build(founded=datetime.date(2015, 1, 1), founded_precision=DatePrecision.MONTH).full_clean()
        GroupFactory.build(founded=datetime.date(2017, 1, 1), founded_precision=DatePrecision.EARLY).full_clean()

    def test_the_database_enforces_it_too(self):
        with pytest.raises(IntegrityError, match="group_founded_month_on_first_day"), transaction.atomic():
            GroupFactory(founded=datetime.date(2016, 10, 26), founded_precision=DatePrecision.MONTH)

    def test_dissolution_cannot_precede_founding(self):
        group = GroupFactory.build(
            founded=datetime.date(2016, 1, 1), founded_precision=DatePrecision.YEAR,
            dissolved=datetime.date(2015, 1, 1), dissolved_precision=DatePrecision.YEAR,
        )  # fmt: skip
        with pytest.raises(ValidationError) as error:
            group.full_clean()
        assert "dissolution date cannot come before the start" in messages(error.value)


class TestGroupNames:
    def test_two_groups_cannot_share_a_canonical_name_in_any_spelling(self):
        GroupFactory(name="Tehreek-e-Taliban Pakistan")
        with pytest.raises(ValidationError) as error:
            GroupFactory.build(name="Tehrik-i-Taliban Pakistan").full_clean()
        assert "already has this name" in messages(error.value)

    def test_a_group_cannot_take_another_groups_alias_as_its_name(self):
        AliasFactory(name="Daesh", group=GroupFactory(name="Islamic State"))
        with pytest.raises(ValidationError) as error:
            GroupFactory.build(name="Daish").full_clean()
        assert "is an alias of “Islamic State”" in messages(error.value)

    def test_search_key_is_stored_on_save(self):
        assert GroupFactory(name="Al Qaeda").normalized_name == "alqaida"


class TestAliases:
    def test_spelling_variants_of_the_group_name_may_be_recorded(self):
        group = GroupFactory(name="al-Qaeda")
        alias = Alias(group=group, name="al-Qaida")
        alias.full_clean()
        alias.save()
        assert alias.normalized_name == group.normalized_name

    def test_the_group_name_itself_is_not_an_alias(self):
        group = GroupFactory(name="Islamic State")
        with pytest.raises(ValidationError) as error:
            Alias(group=group, name="islamic state").full_clean()
        assert "is the group's own name" in messages(error.value)

    def test_the_same_alias_twice_is_refused(self):
        alias = AliasFactory(name="TTP")
        with pytest.raises(ValidationError) as error:
            Alias(group=alias.group, name="ttp").full_clean()
        assert "already has the alias" in messages(error.value)

    def test_an_alias_shared_with_another_group_must_be_acknowledged(self):
        islamic_state = GroupFactory(name="Islamic State")
        AliasFactory(group=islamic_state, name="Daesh")
        other = GroupFactory(name="Some Other Group")
        with pytest.raises(ValidationError) as error:
            Alias(group=other, name="Daish").full_clean()
        assert "is also a name of “Islamic State”" in messages(error.value)
        assert "shared name acknowledged" in messages(error.value)
        Alias(group=other, name="Daish", shared_name_acknowledged=True).full_clean()

    def test_an_alias_equal_to_another_groups_name_must_be_acknowledged(self):
        GroupFactory(name="Pakistani Taliban")
        with pytest.raises(ValidationError):
            Alias(group=GroupFactory(), name="Pakistani-Taliban").full_clean()

    def test_groups_known_by_finds_names_and_aliases(self):
        named = GroupFactory(name="Daesh Watchers")
        aliased = AliasFactory(name="Daish").group
        assert groups_known_by("daish") == [aliased]
        assert groups_known_by("daishwatchers") == [named]

    def test_language_and_script_codes_are_checked(self):
        alias = AliasFactory.build(group=GroupFactory(), name="Daesh", language="Arabic", script="arab")
        with pytest.raises(ValidationError) as error:
            alias.full_clean()
        assert set(error.value.message_dict) == {"language", "script"}


class TestAffiliations:
    def test_a_group_cannot_relate_to_itself(self):
        group = GroupFactory()
        with pytest.raises(ValidationError) as error:
            Affiliation(from_group=group, to_group=group, kind=AffiliationKind.RIVAL_OF).full_clean()
        assert "cannot have a relationship with itself" in messages(error.value)

    def test_symmetric_kinds_are_recorded_once(self):
        existing = AffiliationFactory(kind=AffiliationKind.RIVAL_OF)
        reverse = Affiliation(from_group=existing.to_group, to_group=existing.from_group, kind=AffiliationKind.RIVAL_OF)
        with pytest.raises(ValidationError) as error:
            reverse.full_clean()
        assert "already recorded from the other group's side" in messages(error.value)

    def test_duplicate_relationship_is_refused(self):
        existing = AffiliationFactory()
        with pytest.raises(ValidationError) as error:
            Affiliation(from_group=existing.from_group, to_group=existing.to_group, kind=existing.kind).full_clean()
        assert "already recorded" in messages(error.value)

    def test_directed_kinds_read_correctly_from_both_sides(self):
        branch = AffiliationFactory(kind=AffiliationKind.BRANCH_OF)
        assert branch.label_from(branch.from_group) == "branch or province of"
        assert branch.label_from(branch.to_group) == "has as branch or province"
        assert branch.other_group(branch.to_group) == branch.from_group

    def test_symmetric_kinds_read_the_same_from_both_sides(self):
        rivalry = AffiliationFactory(kind=AffiliationKind.RIVAL_OF)
        assert rivalry.label_from(rivalry.from_group) == rivalry.label_from(rivalry.to_group) == "rival of"


class TestAttacks:
    def test_casualties_carry_their_qualifier(self):
        attack = AttackFactory(killed=64, killed_qualifier=CountQualifier.AT_LEAST, wounded=50, wounded_qualifier=CountQualifier.NEARLY)
        assert attack.killed_display == "at least 64"
        assert attack.wounded_display == "nearly 50"
        assert AttackFactory(killed=20, killed_qualifier=CountQualifier.EXACT).killed_display == "20"

    def test_a_figure_without_its_wording_is_refused(self):
        with pytest.raises(ValidationError) as error:
            AttackFactory.build(killed=60).full_clean()
        assert "with how the source words it" in messages(error.value)

    def test_a_wording_without_a_figure_is_refused(self):
        with pytest.raises(ValidationError):
            AttackFactory.build(wounded_qualifier=CountQualifier.MORE_THAN).full_clean()

    def test_coordinates_come_in_pairs_and_in_range(self):
        with pytest.raises(ValidationError) as error:
            AttackFactory.build(latitude=30).full_clean()
        assert "both latitude and longitude" in messages(error.value)
        with pytest.raises(ValidationError) as error:
            AttackFactory.build(latitude=95, longitude=10).full_clean()
        assert "between -90 and 90" in messages(error.value)

    def test_end_date_needs_a_day_precise_start_and_follows_it(self):
        with pytest.raises(ValidationError) as error:
            AttackFactory.build(
                date=datetime.date(2016, 10, 1), date_precision=DatePrecision.MONTH, end_date=datetime.date(2016, 10, 3)
            ).full_clean()
        assert "start is known to the day" in messages(error.value)
        with pytest.raises(ValidationError) as error:
            AttackFactory.build(
                date=datetime.date(2016, 10, 5), date_precision=DatePrecision.DAY, end_date=datetime.date(2016, 10, 3)
            ).full_clean()
        assert "cannot come before the start" in messages(error.value)

    def test_place_joins_what_is_known(self):
        attack = AttackFactory(locality="Quetta", province="Balochistan", country="PK")
        assert attack.place == "Quetta, Balochistan, Pakistan"

    def test_unknown_gtd_code_is_refused_by_the_database(self):
        with pytest.raises(IntegrityError, match="attack_attack_type_valid"), transaction.atomic():
            Attack.objects.create(title="x", slug="x", attack_type="drone_strike")


class TestAttributions:
    def test_competing_claims_coexist(self):
        attack = AttackFactory()
        AttributionFactory(attack=attack, kind=AttributionKind.ATTRIBUTED, attributed_by="Pakistani authorities")
        AttributionFactory(attack=attack, kind=AttributionKind.CLAIMED)
        assert attack.attributions.count() == 2

    def test_wording_is_neutral_and_names_who_attributed(self):
        attributed = AttributionFactory(kind=AttributionKind.ATTRIBUTED, attributed_by="Pakistani authorities")
        assert attributed.phrase == "Attributed by Pakistani authorities to"
        assert AttributionFactory(kind=AttributionKind.CLAIMED).phrase == "Claimed by"

    def test_the_same_attribution_twice_is_refused(self):
        existing = AttributionFactory(kind=AttributionKind.CLAIMED)
        duplicate = Attribution(attack=existing.attack, group=existing.group, kind=AttributionKind.CLAIMED)
        with pytest.raises(ValidationError) as error:
            duplicate.full_clean()
        assert "already recorded" in messages(error.value)


def test_groups_are_listed_alphabetically_whatever_the_case():
    GroupFactory(name="Tehrik-e-Taliban Pakistan")
    GroupFactory(name="al-Qaeda")
    GroupFactory(name="Afghan Taliban")
    assert [str(g) for g in Group.objects.all()] == ["Afghan Taliban", "al-Qaeda", "Tehrik-e-Taliban Pakistan"]


# --- How records read on the public site ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "by", "phrase", "role"),
    [
        ("claimed", "Islamic State", "Claimed by", "Claimed"),
        ("claimed", "LeJ Al-Alami spokesman", "Claimed by", "Claimed (LeJ Al-Alami spokesman)"),
        ("attributed", "Pakistani authorities", "Attributed by Pakistani authorities to", "Attributed by Pakistani authorities"),
        ("attributed", "", "Attributed to", "Attributed"),
        ("suspected", "police", "Suspected by police:", "Suspected by police"),
        ("denied", "", "Denied by", "Denied involvement"),
    ],
)
def test_attribution_wording_is_neutral_from_either_side(kind, by, phrase, role):
    attribution = Attribution(kind=kind, attributed_by=by, group=Group(name="Islamic State"))
    assert (attribution.phrase, attribution.role) == (phrase, role)


def test_casualties_read_with_their_qualifier():
    attack = Attack(killed=60, killed_qualifier="more_than", wounded=12, wounded_qualifier="exact")
    assert attack.casualties_display == "more than 60 killed, 12 wounded"
    assert Attack().casualties_display == "not reported"


def test_alias_language_and_period_read_as_words():
    alias = Alias(language="ar", valid_from=datetime.date(2016, 10, 1), valid_from_precision="month")
    assert (alias.language_name, alias.period_display) == ("Arabic", "since Oct 2016")
    assert Alias(language="ps").language_name == "ps"  # a tag Django has no name for stays as written


def test_a_place_names_each_part_once():
    assert Attack(locality="Mastung", district="Mastung", province="Balochistan", country="PK").place == "Mastung, Balochistan, Pakistan"
