"""The command-line faces of mention detection: detect_mentions over files, curation_gaps over stored sources."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sampledata.demo_data import DEMO_DATA_FILE, load_demo_data
from tests.factories import AliasFactory, AttackFactory, AttributionFactory, CitationFactory, GroupFactory, SourceFactory

pytestmark = pytest.mark.django_db

ARTICLES = Path(DEMO_DATA_FILE.parent, "articles")


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def islamic_state():
    group = GroupFactory(name="Islamic State", slug="islamic-state")
    AliasFactory(group=group, name="IS", kind="acronym")
    AliasFactory(group=group, name="Daesh", kind="exonym")
    return group


# --- detect_mentions -------------------------------------------------------------------------------------------


def test_detect_mentions_prints_each_group_with_its_names_as_written_and_counts(tmp_path, islamic_state):
    GroupFactory(name="Lashkar-e-Jhangvi", slug="lashkar-e-jhangvi")
    article = tmp_path / "article.txt"
    article.write_text("IS said it. Daish and Daesh agree; this is the Islamic State. The Al-Alami faction of Lashkar-i-Jhangvi.")
    out, err = run("detect_mentions", str(article))
    assert err == ""
    assert out.splitlines() == [
        f"{article}: 2 known group(s) named",
        "  islamic-state      Daesh              1",
        "  islamic-state      Daish              1",
        "  islamic-state      IS                 1",
        "  islamic-state      Islamic State      1",
        "  lashkar-e-jhangvi  Lashkar-i-Jhangvi  1",
        "  possible new name  Al-Alami           1",
    ]


def test_detect_mentions_reads_the_seed_articles(capsys):
    load_demo_data()
    files = sorted(str(path) for path in ARTICLES.glob("*.txt"))
    out, _ = run("detect_mentions", *files, "--format", "json")
    reports = {Path(report["file"]).stem.split("_")[1]: report for report in json.loads(out)}
    assert list(reports) == ["f7782534bcd9eed8", "7e387616d233ec26", "e3ca868f480167ee", "4066d30c1cf974a5", "e1e0ecb0cfdc4e01"]
    iskp = {group["slug"]: group for group in reports["4066d30c1cf974a5"]["groups"]}["islamic-state-khorasan-province"]
    assert iskp["as_written"] == [{"name": "IS-K", "count": 13}, {"name": "Islamic State-Khorasan", "count": 1}]
    assert iskp["count"] == 14
    assert reports["e3ca868f480167ee"]["possible_names"] == [{"name": "Al-Alami", "count": 1}]


def test_unreadable_files_are_reported_and_the_others_still_read(tmp_path, islamic_state):
    good = tmp_path / "good.txt"
    good.write_text("Daesh claimed it.", encoding="utf-8")
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Daesh a revendiqué l’attentat à Quetta.".encode("cp1252"))
    missing = tmp_path / "missing.txt"
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="3 of 4 file\\(s\\) could not be read"):
        call_command("detect_mentions", str(missing), str(latin), str(tmp_path), str(good), stdout=out, stderr=err)
    assert err.getvalue().splitlines() == [
        f"{missing}: cannot read it: No such file or directory",
        f"{latin}: cannot read it: not UTF-8 text (byte 17 is not valid UTF-8)",
        f"{tmp_path}: cannot read it: it is a folder",
    ]
    assert out.getvalue().splitlines() == [f"{good}: 1 known group(s) named", "  islamic-state  Daesh  1"]


def test_the_command_line_exits_non_zero_on_an_unreadable_file(tmp_path):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "detect_mentions", str(tmp_path / "missing.txt")])
    with pytest.raises(SystemExit) as exit_status:
        utility.execute()
    assert exit_status.value.code == 1


def test_an_ambiguous_name_is_reported_with_its_candidates(tmp_path):
    for name, slug in (("Jaish al-Adl", "jaish-al-adl"), ("Jabhat al-Nusra", "jabhat-al-nusra")):
        AliasFactory(group=GroupFactory(name=name, slug=slug), name="The Front", shared_name_acknowledged=True)
    article = tmp_path / "a.txt"
    article.write_text("The Front claimed it.")
    out, _ = run("detect_mentions", str(article))
    assert "  ambiguous (jabhat-al-nusra or jaish-al-adl)  Front  1" in out.splitlines()
    (report,) = json.loads(run("detect_mentions", str(article), "--format", "json")[0])
    assert report["ambiguous"] == [{"name": "Front", "count": 1, "candidates": ["jabhat-al-nusra", "jaish-al-adl"]}]


# --- curation_gaps ---------------------------------------------------------------------------------------------


def test_curation_gaps_lists_the_groups_a_source_names_that_no_citation_from_it_links(islamic_state):
    lej = GroupFactory(name="Lashkar-e-Jhangvi", slug="lashkar-e-jhangvi")
    ttp = GroupFactory(name="Tehrik-e-Taliban Pakistan", slug="ttp")
    text = "Lashkar-e-Jhangvi and Daesh (IS) claimed it. The Tehrik-e Taliban Pakistan denied it."
    source = SourceFactory(slug="quetta", title="Quetta attack", text=text)
    attack = AttackFactory()
    AttributionFactory(attack=attack, group=islamic_state)
    CitationFactory(source=source, group=None, attack=attack, quote="Daesh (IS) claimed it")  # links IS through its attack
    CitationFactory(source=SourceFactory(slug="elsewhere", text="Lashkar-e-Jhangvi."), group=lej, quote="Lashkar-e-Jhangvi")
    out, _ = run("curation_gaps")
    assert out.splitlines() == [
        "quetta  Quetta attack",
        "  lashkar-e-jhangvi  named 1 time(s) as “Lashkar-e-Jhangvi”",
        "  ttp  named 1 time(s) as “Tehrik-e Taliban Pakistan”",
        "2 source(s) read; 1 name group(s) that no citation from them links yet (2 in all).",
    ]
    CitationFactory(source=source, group=None, alias=AliasFactory(group=ttp, name="TTP"), quote="The Tehrik-e Taliban Pakistan denied it")
    (report,) = json.loads(run("curation_gaps", "--format", "json")[0])
    assert report == {
        "source": "quetta",
        "title": "Quetta attack",
        "groups": [{"slug": "lashkar-e-jhangvi", "name": "Lashkar-e-Jhangvi", "count": 1, "as_written": ["Lashkar-e-Jhangvi"]}],
    }


def test_curation_gaps_for_chosen_sources_and_an_unknown_slug():
    SourceFactory(slug="one")
    with pytest.raises(CommandError, match="No source has the slug\\(s\\): nope."):
        call_command("curation_gaps", "--source", "one", "--source", "nope")
    out, _ = run("curation_gaps", "--source", "one")
    assert out.strip() == "1 source(s) read; 0 name group(s) that no citation from them links yet (0 in all)."


def test_the_demo_data_has_no_curation_gaps():
    load_demo_data()
    out, _ = run("curation_gaps")
    assert out.strip() == "5 source(s) read; 0 name group(s) that no citation from them links yet (0 in all)."


def test_curation_gaps_reads_sources_in_chunks_with_a_fixed_number_of_queries(django_assert_num_queries, islamic_state):
    from intake.selectors import curation_gaps
    from sources.models import Source

    for n in range(7):
        SourceFactory(text=f"Daesh claimed attack {n}.")
    list(curation_gaps(Source.objects.order_by("id")))  # builds the index of names
    # the data version, the sources (one server-side cursor, read 3 at a time), and the citations of each chunk of 3
    with django_assert_num_queries(1 + 1 + 3):
        found = list(curation_gaps(Source.objects.order_by("id"), chunk_size=3))
    assert len(found) == 7 and all([entry.group.slug for entry in gaps.gaps] == ["islamic-state"] for gaps in found)
