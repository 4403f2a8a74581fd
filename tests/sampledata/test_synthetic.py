import io
from collections import defaultdict

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from groups.models import SYMMETRIC_AFFILIATION_KINDS, Affiliation, Alias, AliasKind, Attack, Attribution, Group
from groups.normalization import normalize_name
from kb.models import CuratedModel, PublicationStatus
from sampledata.synthetic.plan import FULL_SCALE, counts_at_scale, plan_dataset
from sampledata.synthetic.write import GENERATOR_USERNAME, generate_dataset
from sources.models import Citation, Source
from sources.text import check_quote
from tests.factories import GroupFactory

SCALE = 0.002
CURATED = [model for model in apps.get_models() if issubclass(model, CuratedModel)]


def fingerprint(plan) -> tuple:
    """Everything the plan decides, articles included."""
    return (plan.groups, plan.aliases, plan.affiliations, plan.attacks, plan.attributions, list(plan.articles()))


@pytest.fixture
def generated(db, settings):
    settings.DEBUG = True  # as in development; the generator refuses anything else
    return generate_dataset(seed=7, scale=SCALE)


def test_the_same_seed_and_scale_plan_the_same_rows():
    assert fingerprint(plan_dataset(seed=7, scale=SCALE)) == fingerprint(plan_dataset(seed=7, scale=SCALE))
    other = plan_dataset(seed=8, scale=SCALE)
    assert [g["name"] for g in other.groups] != [g["name"] for g in plan_dataset(seed=7, scale=SCALE).groups]


@pytest.mark.parametrize("scale", [SCALE, 0.01])
def test_counts_follow_the_scale(scale):
    plan = plan_dataset(seed=7, scale=scale)
    articles = list(plan.articles())
    counts = {
        "groups": len(plan.groups),
        "aliases": len(plan.aliases),
        "affiliations": len(plan.affiliations),
        "attacks": len(plan.attacks),
        "sources": len(articles),
        "citations": sum(len(citations) for _, citations in articles),
    }
    assert counts == counts_at_scale(scale) == {name: round(count * scale) for name, count in FULL_SCALE.items()}
    assert len(plan.attacks) < len(plan.attributions) < 3 * len(plan.attacks)


def test_names_meet_under_their_search_key_only_within_a_group_unless_acknowledged():
    plan = plan_dataset(seed=7, scale=0.05)
    group_keys = {group["normalized_name"]: index for index, group in enumerate(plan.groups)}
    assert len(group_keys) == len(plan.groups)
    groups_by_key = defaultdict(set)
    for alias in plan.aliases:
        assert alias["normalized_name"] == normalize_name(alias["name"])
        assert group_keys.get(alias["normalized_name"], alias["group"]) == alias["group"], alias
        groups_by_key[alias["normalized_name"]].add(alias["group"])
    for alias in plan.aliases:
        shared = len(groups_by_key[alias["normalized_name"]]) > 1
        assert alias["shared_name_acknowledged"] == shared
        assert not shared or alias["kind"] in (AliasKind.ACRONYM, AliasKind.EXONYM, AliasKind.PEJORATIVE)
    assert any(a["shared_name_acknowledged"] for a in plan.aliases)
    # Spellings of the name itself: Tehreek/Tehrik, -e-/-i-, Qaeda/Qaida, doubled letters.
    own_spellings = [a for a in plan.aliases if a["normalized_name"] == plan.groups[a["group"]]["normalized_name"]]
    assert len(own_spellings) > len(plan.groups)
    assert {AliasKind.ACRONYM, AliasKind.VARIANT, AliasKind.TRANSLATION} <= {a["kind"] for a in plan.aliases}


def test_relationships_are_neither_self_links_nor_repeated():
    plan = plan_dataset(seed=7, scale=0.05)
    seen = set()
    for affiliation in plan.affiliations:
        ends, kind = (affiliation["from_group"], affiliation["to_group"]), affiliation["kind"]
        assert ends[0] != ends[1]
        key = (frozenset(ends) if kind in SYMMETRIC_AFFILIATION_KINDS else ends, kind)
        assert key not in seen
        seen.add(key)


def test_generated_rows_are_the_planned_ones_in_order(generated):
    plan = plan_dataset(seed=7, scale=SCALE)
    counts = counts_at_scale(SCALE)
    assert list(Group.objects.order_by("id").values_list("name", flat=True)) == [g["name"] for g in plan.groups]
    assert list(Attack.objects.order_by("id").values_list("slug", flat=True)) == [a["slug"] for a in plan.attacks]
    assert list(Source.objects.order_by("id").values_list("slug", flat=True)) == [s["slug"] for s, _ in plan.articles()]
    assert {model: model.objects.count() for model in (Group, Alias, Affiliation, Attack, Source, Citation)} == {
        Group: counts["groups"],
        Alias: counts["aliases"],
        Affiliation: counts["affiliations"],
        Attack: counts["attacks"],
        Source: counts["sources"],
        Citation: counts["citations"],
    }
    assert Attribution.objects.count() == len(plan.attributions)
    assert generated.rows["citations"] == counts["citations"]


def test_every_quote_is_in_its_source_and_every_fact_is_cited(generated):
    for citation in Citation.objects.select_related("source"):
        assert check_quote(citation.quote, citation.source.text).found, citation.quote
    for model in (Group, Affiliation, Attack):
        assert not model.objects.filter(citations__isnull=True).exists(), model
    assert Attribution.objects.filter(citations__isnull=False).exists()


def test_records_pass_the_models_own_validation(generated):
    # full_clean runs each model's clean() (search-key clashes, shared names, verbatim quotes) and every constraint.
    for model in (Group, Alias, Affiliation, Attack, Attribution, Source, Citation):
        for record in model.objects.order_by("id")[::7]:
            record.full_clean()


def test_every_history_row_has_the_generator_and_a_reason(generated):
    generator = Group.history.first().history_user
    assert generator.username == GENERATOR_USERNAME and not generator.is_active and not generator.has_usable_password()
    for model in CURATED:
        assert model.history.count() == model.objects.count()
        assert not model.history.exclude(history_user=generator).exists()
        assert not model.history.filter(history_change_reason__isnull=True).exists()
        assert set(model.history.values_list("history_change_reason", flat=True)) <= {
            "Synthetic data set (seed 7, scale 0.002) for development and load tests"
        }


def test_most_records_are_published_and_the_site_shows_them(generated, client):
    for model in (Alias, Attack, Attribution, Citation):
        published = model.objects.filter(publication_status=PublicationStatus.PUBLISHED).count()
        assert 0.9 * model.objects.count() < published < model.objects.count() or model.objects.count() < 100
    group = Group.objects.public().filter(attributions__in=Attribution.objects.public()).first()
    assert client.get(reverse("groups:group_detail", kwargs={"slug": group.slug})).status_code == 200
    attack = Attack.objects.public().filter(citations__in=Citation.objects.public()).first()
    page = client.get(reverse("groups:attack_detail", kwargs={"key": attack.slug}))
    assert page.status_code == 200 and attack.title in page.content.decode()
    source = Source.objects.public().filter(citations__in=Citation.objects.public()).first()
    assert client.get(reverse("sources:source_detail", kwargs={"key": source.slug})).status_code == 200
    alias = Alias.objects.public().filter(kind=AliasKind.VARIANT).first()
    assert alias.group.name in client.get(reverse("search"), {"q": alias.name}).content.decode()


def test_command_refuses_a_database_that_holds_curated_records(db, settings):
    settings.DEBUG = True
    GroupFactory(name="Curated Front")
    with pytest.raises(CommandError, match=r"already holds curated records \(1 groups\).*fresh database"):
        call_command("generate_dataset", scale=SCALE, stdout=io.StringIO())
    assert list(Group.objects.values_list("name", flat=True)) == ["Curated Front"]


def test_command_refuses_outside_development(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development"):
        call_command("generate_dataset", scale=SCALE, stdout=io.StringIO())
    assert not Group.objects.exists()


def test_command_reports_rows_and_seconds_per_model(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("generate_dataset", seed=3, scale=SCALE, stdout=out)
    output = out.getvalue()
    for name in ("groups", "aliases", "affiliations", "attacks", "attributions", "sources", "citations"):
        assert f"{name}:" in output
    assert "Wrote" in output and Group.objects.count() == 10
