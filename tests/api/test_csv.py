import csv
import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse

from groups.api.urls import router
from groups.exports import CSV_EXPORTS
from groups.models import AffiliationKind, AttributionKind, RoleKind
from kb.api import csv as api_csv
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from tests.factories import (
    AffiliationFactory,
    AliasFactory,
    AttackFactory,
    AttributionFactory,
    GroupFactory,
    GroupRoleFactory,
    PersonFactory,
    SizeEstimateFactory,
    TheatreFactory,
    TheatreGroupFactory,
)

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse) and response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_groups_csv_has_readable_headers_and_applies_the_filters(client):
    state = GroupFactory(
        name="Islamic State",
        slug="islamic-state",
        countries=["IQ", "SY"],
        founded=datetime.date(2014, 1, 1),
        founded_precision=DatePrecision.YEAR,
    )
    AliasFactory(group=state, name="Daesh")
    AliasFactory(group=state, name="داعش")
    AliasFactory(group=state, name="Hidden", publication_status=PublicationStatus.DRAFT)
    GroupFactory(name="Other Front", countries=["PK"])
    GroupFactory(name="Hidden Front", publication_status=PublicationStatus.DRAFT)
    response = client.get("/api/v1/groups/", {"format": "csv", "country": "SY"})
    assert response["Content-Disposition"] == 'attachment; filename="groups.csv"'
    [row] = rows(response)
    assert row["Name"] == "Islamic State" and row["Founded"] == "2014-01-01" and row["Founded (precision)"] == "year"
    assert row["Countries of operation"] == "Iraq; Syria" and row["Aliases"] == "Daesh; داعش"
    assert row["Page"] == "/groups/islamic-state/"
    assert len(rows(client.get("/api/v1/groups/", {"format": "csv"}))) == 2


def test_theatres_csv_gives_each_theatre_with_the_public_groups_its_map_draws(client, django_assert_num_queries):
    theatre = TheatreFactory(
        name="Iraq and Syria", slug="iq-sy", description="The Levant.", countries=["IQ", "SY"], start_year=2011, end_year=None
    )
    GroupFactory(
        name="Islamic State", slug="islamic-state", countries=["IQ"], founded=datetime.date(2006, 10, 1), founded_precision="month"
    )
    GroupFactory(name="al-Nusra Front", slug="nusra", countries=["SY"])
    GroupFactory(name="Gone Front", countries=["IQ"], dissolved=datetime.date(2003, 1, 1), dissolved_precision=DatePrecision.YEAR)
    GroupFactory(name="Hidden Front", countries=["IQ"], publication_status=PublicationStatus.DRAFT)
    TheatreGroupFactory(theatre=theatre, group=GroupFactory(name="Hezbollah", slug="hezbollah", countries=["LB"]))
    TheatreGroupFactory(
        theatre=theatre, group=GroupFactory(name="Pending Front", countries=["LB"]), publication_status=PublicationStatus.DRAFT
    )
    TheatreFactory(name="Sahel", slug="sahel", countries=["ML"], start_year=2012, end_year=2020)
    TheatreFactory(name="Hidden Theatre", countries=["IQ"], publication_status=PublicationStatus.DRAFT)
    with django_assert_num_queries(1):  # the theatres with their groups, in one query
        response = client.get("/api/v1/theatres.csv")
        found = rows(response)
    assert response["Content-Disposition"] == 'attachment; filename="theatres.csv"'
    assert [row["Name"] for row in found] == ["Iraq and Syria", "Sahel"]
    levant, sahel = found
    assert levant["Countries covered"] == "Iraq; Syria" and (levant["From (year)"], levant["Until (year)"]) == ("2011", "")
    assert levant["Groups"] == "al-Nusra Front; Hezbollah; Islamic State" and levant["Group slugs"] == "nusra; hezbollah; islamic-state"
    assert levant["Description"] == "The Levant." and levant["Page"] == "/maps/iq-sy/"
    assert (sahel["Until (year)"], sahel["Groups"]) == ("2020", "")
    assert [row["Name"] for row in rows(client.get("/api/v1/theatres.csv", {"country": "ML"}))] == ["Sahel"]


def test_attacks_csv_names_who_according_to_whom(client):
    attack = AttackFactory(title="Quetta attack", killed=60, killed_qualifier="more_than", suicide=None)
    AttributionFactory(attack=attack, group=GroupFactory(name="Islamic State"), kind=AttributionKind.CLAIMED)
    [row] = rows(client.get("/api/v1/attacks/", {"format": "csv"}))
    assert row["Killed"] == "60" and row["Killed (as worded)"] == "more than" and row["Suicide attack"] == "unknown"
    assert row["Claimed by or attributed to"] == "Claimed by Islamic State"


def test_aliases_and_affiliations_csv(client):
    khorasan, state = GroupFactory(name="Khorasan Province"), GroupFactory(name="Islamic State")
    AffiliationFactory(from_group=khorasan, to_group=state, kind=AffiliationKind.BRANCH_OF)
    AliasFactory(group=state, name="Daesh")
    [affiliation] = rows(client.get("/api/v1/affiliations/", {"format": "csv"}))
    assert (affiliation["Group"], affiliation["Relationship"], affiliation["Related group"]) == (
        "Khorasan Province",
        "branch or province of",
        "Islamic State",
    )
    [alias] = rows(client.get("/api/v1/aliases/", {"format": "csv"}))
    assert (alias["Alias"], alias["Group"]) == ("Daesh", "Islamic State")


def test_the_export_reads_in_chunks_rather_than_all_at_once(client, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr(api_csv, "CHUNK_SIZE", 5)
    for _ in range(12):
        AttributionFactory(attack=AttackFactory())
    response = client.get("/api/v1/attacks/", {"format": "csv"})
    stream = iter(response.streaming_content)
    with django_assert_max_num_queries(2):  # the first chunk of attacks and its attributions, nothing more yet
        next(stream), next(stream)
    assert len(list(stream)) == 11


def test_the_export_command_writes_the_same_rows_with_the_filters(client, tmp_path):
    AttackFactory(title="Quetta attack", country="PK")
    AttackFactory(title="Colombo attack", country="LK")
    AttackFactory(title="Unverified", country="PK", publication_status=PublicationStatus.DRAFT)
    output = tmp_path / "attacks.csv"
    call_command("export_csv", "attacks", "--filter", "country=PK", "--output", str(output), "--no-progress", stdout=io.StringIO())
    from_file = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"))))
    assert from_file == rows(client.get("/api/v1/attacks/", {"format": "csv", "country": "PK"}))
    assert [row["Title"] for row in from_file] == ["Quetta attack"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["attacks", "--filter", "year=soon"], "Invalid filter: year: Enter a whole number."),
        (["attacks", "--filter", "colour=red"], "Unknown filter(s) for attacks: colour."),
        (["attacks", "--filter", "country"], "--filter takes NAME=VALUE"),
    ],
)
def test_the_export_command_explains_bad_filters(arguments, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("export_csv", *arguments, "--no-progress", stdout=io.StringIO())


@pytest.mark.parametrize("name", sorted(CSV_EXPORTS))
def test_the_api_and_the_export_command_write_the_same_file(name, client, tmp_path):
    [viewset] = [viewset for prefix, viewset, _basename in router.registry if prefix == name]
    export = CSV_EXPORTS[name]
    assert viewset.csv_export is export and viewset.filterset_class is export.filterset_class
    state = GroupFactory(name="Islamic State", countries=["IQ", "SY"])
    AliasFactory(group=state, name="Daesh")
    AffiliationFactory(from_group=GroupFactory(name="Wilayat Khorasan"), to_group=state)
    AttributionFactory(group=state, attack=AttackFactory(country="IQ"))
    GroupRoleFactory(group=state, person=PersonFactory(name="Abu Bakr al-Baghdadi"), kind=RoleKind.LEADER)
    SizeEstimateFactory(group=state, low=3000, high=4000, counted="fighters")
    TheatreFactory(name="Iraq and Syria", countries=["IQ", "SY"])
    downloaded = b"".join(client.get(f"/api/v1/{name}.csv").streaming_content)
    call_command("export_csv", name, "--output", str(tmp_path / "out.csv"), "--no-progress", stdout=io.StringIO())
    assert downloaded == (tmp_path / "out.csv").read_bytes() and downloaded.count(b"\n") >= 2


def test_the_csv_of_a_long_list_reads_its_rows_in_a_fixed_number_of_queries(client, django_assert_num_queries):
    for number in range(5):
        attack = AttackFactory(title=f"Attack {number}")
        AttributionFactory(attack=attack, kind=AttributionKind.CLAIMED)
        AttributionFactory(attack=attack, kind=AttributionKind.SUSPECTED, attributed_by="police")
    with django_assert_num_queries(1):  # one query, attributions included: no model instance, no prefetch per chunk
        assert len(rows(client.get("/api/v1/attacks.csv"))) == 5


def test_text_a_spreadsheet_would_run_as_a_formula_stays_text(client, tmp_path):
    GroupFactory(name='=HYPERLINK("http://example.org","x")', slug="formula-front", summary="@SUM(A1)")
    AttackFactory(title="-2+3 attack", latitude=-33.5, longitude=69.25)
    [group] = rows(client.get("/api/v1/groups/", {"format": "csv"}))
    assert group["Name"] == '\'=HYPERLINK("http://example.org","x")'
    [attack] = rows(client.get("/api/v1/attacks/", {"format": "csv"}))
    assert attack["Title"] == "'-2+3 attack"
    assert attack["Latitude"] == "-33.500000"  # numbers are not text: a negative one stays a number
    call_command("export_csv", "groups", "--output", str(tmp_path / "groups.csv"))
    assert '"\'=HYPERLINK(""http://example.org"",""x"")"' in (tmp_path / "groups.csv").read_text(encoding="utf-8-sig")
