import re
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from groups.models import (
    Affiliation,
    Alias,
    Attack,
    Attribution,
    Designation,
    Group,
    GroupRole,
    GroupSection,
    Person,
    SizeEstimate,
    Theatre,
    TheatreGroup,
)
from kb.models import PublicationStatus
from sampledata.demo_data import DEMO_DATA_FILE, IMPORT_REASON, DemoDataError, load_demo_data
from sources.models import Citation, Source

pytestmark = pytest.mark.django_db

CURATED = [
    Source,
    Group,
    Alias,
    Affiliation,
    Designation,
    Attack,
    Attribution,
    Person,
    GroupRole,
    SizeEstimate,
    GroupSection,
    Theatre,
    TheatreGroup,
    Citation,
]
CITED = {
    Group: "group",
    Alias: "alias",
    Affiliation: "affiliation",
    Designation: "designation",
    Attack: "attack",
    Attribution: "attribution",
    GroupRole: "group_role",
    SizeEstimate: "size_estimate",
    GroupSection: "section",
}


@pytest.fixture
def loaded():
    return load_demo_data()


def history_rows():
    return sum(model.history.count() for model in CURATED)


def test_loads_the_curated_data_set(loaded):
    data = yaml.safe_load(DEMO_DATA_FILE.read_text())
    assert Source.objects.count() == len(data["sources"]) == 5
    assert Group.objects.count() == len(data["groups"])
    assert Attack.objects.count() == len(data["attacks"])
    assert Affiliation.objects.count() == len(data["affiliations"])
    assert loaded.total_written == sum(model.objects.count() for model in CURATED)


def test_people_appear_only_in_the_roles_the_articles_name_with_the_articles_words(loaded):
    roles = {
        (role.person.name, role.kind, role.group.slug, role.period_display): [c.quote for c in role.citations.all()]
        for role in GroupRole.objects.public().select_related("person", "group").prefetch_related("citations")
    }
    assert roles == {
        ("Ali bin Sufyan", "spokesman", "lashkar-e-jhangvi-al-alami", "as of Oct 2016"): ["Ali bin Sufyan, a spokesman for LeJ Al-Alami"],
        ("Osama bin Laden", "founder", "al-qaeda", "dates unknown"): ["Osama bin Laden, al-Qaida’s slain founder"],
        ("Abu Baker al-Baghdadi", "leader", "islamic-state", "dates unknown"): ["Abu Baker al-Baghdadi, leader of the ISIS/ISIL"],
    }
    assert Person.objects.count() == 3 and not SizeEstimate.objects.exists()  # the articles state no group's size


def test_profile_sections_cite_every_sentence_with_their_own_quotes(loaded):
    from sources.markers import marker_ids, marker_problems

    sections = GroupSection.objects.public().select_related("group")
    assert {section.group.slug for section in sections} == {
        "ansar-al-sharia-pakistan", "lashkar-e-jhangvi-al-alami", "islamic-state-pakistan-province",
    }  # fmt: skip
    for section in sections:
        own = set(section.citations.values_list("pk", flat=True))
        assert marker_problems(section.text) == [] and set(marker_ids(section.text)) == own, section
        for paragraph in section.text.split("\n\n"):
            for sentence in re.split(r"(?<=[.;])\s+(?=[A-Z])", paragraph.strip()):
                assert re.search(r"\[cite:\d+\][.;]?$", sentence), f"{section}: {sentence}"


def test_a_section_marker_naming_no_listed_citation_is_reported(tmp_path):
    data = yaml.safe_load(DEMO_DATA_FILE.read_text())
    data["sections"][0]["text"] += " More [cite:nowhere]."
    with pytest.raises(DemoDataError, match=r"sections\[0\]: the text's marker \[cite:nowhere\] names no citation listed"):
        load_demo_data(path=write(tmp_path, data))


def test_the_map_covers_the_region_and_years_the_articles_report(loaded):
    theatre = Theatre.objects.public().get()
    assert (theatre.name, theatre.start_year, theatre.end_year, [c.code for c in theatre.countries]) == (
        "Afghanistan and Pakistan",
        2014,  # "Islamic State (IS) has been working in the metropolis since July 2014"
        2022,  # the latest article
        ["AF", "PK"],
    )
    # the one group listed by hand operates in India, but formerly fell under the Khorasan Province
    assert [m.group.slug for m in TheatreGroup.objects.public().select_related("group")] == ["islamic-state-hind-province"]


def test_loading_twice_changes_nothing(loaded):
    rows_before = {model: list(model.objects.order_by("pk").values()) for model in CURATED}
    history_before = history_rows()
    second = load_demo_data()
    assert second.total_written == 0
    assert history_rows() == history_before
    assert {model: list(model.objects.order_by("pk").values()) for model in CURATED} == rows_before


def test_every_fact_carries_at_least_one_citation(loaded):
    for model, target in CITED.items():
        uncited = model.objects.exclude(pk__in=Citation.objects.filter(**{f"{target}__isnull": False}).values(target))
        assert not uncited.exists(), f"{model.__name__} without a citation: {list(uncited)}"


def test_every_quote_appears_in_its_article(loaded):
    from sources.text import check_quote

    for citation in Citation.objects.select_related("source"):
        assert check_quote(citation.quote, citation.source.text).found, citation.quote


def test_sources_store_the_article_text_verbatim(loaded):
    articles = Path(DEMO_DATA_FILE.parent, "articles")
    for source in Source.objects.all():
        (key,) = source.previous_slugs  # the file's key, the source's first address
        (article,) = articles.glob(f"*_{key}.txt")
        assert source.text == article.read_text(encoding="utf-8")


def test_history_says_who_and_why(loaded):
    for model in CURATED:
        if model is SizeEstimate:
            continue  # the articles state no group's size: there is nothing to say who wrote
        reasons = set(model.history.values_list("history_change_reason", flat=True))
        users = set(model.history.values_list("history_user__username", flat=True))
        assert reasons == {IMPORT_REASON} and users == {"importer"}, model


def test_everything_is_published(loaded):
    for model in CURATED:
        assert not model.objects.exclude(publication_status=PublicationStatus.PUBLISHED).exists()


def test_the_spellings_in_the_articles_find_their_groups(loaded):
    from groups.models import groups_known_by
    from groups.normalization import normalize_name

    expectations = {
        "Tehreek-e-Taliban Pakistan": "tehrik-e-taliban-pakistan",
        "Tehrik-e Taliban Pakistan": "tehrik-e-taliban-pakistan",
        "daesh": "islamic-state",
        "ISKP": "islamic-state-khorasan-province",
        "IS-K": "islamic-state-khorasan-province",
        "al qaida": "al-qaeda",
    }
    for spelling, slug in expectations.items():
        assert [g.slug for g in groups_known_by(normalize_name(spelling))] == [slug], spelling


def write(tmp_path, data) -> Path:
    (tmp_path / "articles").mkdir(exist_ok=True)
    for article in Path(DEMO_DATA_FILE.parent, "articles").iterdir():
        (tmp_path / "articles" / article.name).write_text(article.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_unknown_keys_are_reported_with_their_place_and_nothing_loads(tmp_path):
    data = yaml.safe_load(DEMO_DATA_FILE.read_text())
    data["groups"][0]["founder"] = "someone"
    with pytest.raises(DemoDataError, match=r"groups\[0\] \(islamic-state\): unknown key 'founder'"):
        load_demo_data(path=write(tmp_path, data))
    assert not Source.objects.exists()


def test_a_quote_not_in_the_article_stops_the_whole_load(tmp_path):
    data = yaml.safe_load(DEMO_DATA_FILE.read_text())
    data["attacks"][-1]["citations"][0]["quote"] = "a sentence the article never printed"
    with pytest.raises(DemoDataError, match="does not appear verbatim"):
        load_demo_data(path=write(tmp_path, data))
    assert not Group.objects.exists() and not Source.objects.exists()


def test_dangling_references_are_reported(tmp_path):
    data = yaml.safe_load(DEMO_DATA_FILE.read_text())
    data["affiliations"][0]["to"] = "no-such-group"
    data["groups"][0]["aliases"][0]["citations"] = []
    with pytest.raises(DemoDataError) as error:
        load_demo_data(path=write(tmp_path, data))
    assert "unknown group 'no-such-group' in 'to'" in str(error.value)
    assert "needs at least one citation" in str(error.value)


def test_the_command_reports_counts_and_errors(tmp_path, capsys):
    call_command("load_demo_data")
    assert "5 sources" in capsys.readouterr().out
    broken = tmp_path / "broken.yaml"
    broken.write_text("sources: [", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was loaded.*not valid YAML"):
        call_command("load_demo_data", file=broken)
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("load_demo_data", user="nobody")
