"""Reading a GTD file and mapping its rows: dates, places, vocabularies, perpetrators and the record's own words."""

import datetime
from decimal import Decimal

import pytest

from groups import gtd
from groups.models import AttackType, AttributionKind, TargetType, WeaponType
from kb.dates import DatePrecision
from sources.text import canonicalize_url, check_quote, text_fingerprint
from tests.groups.gtd.rows import gtd_row, parsed, write_gtd_csv


def test_a_full_row_maps_to_the_attack_it_describes():
    attack = parsed()
    assert attack.slug == "gtd-201610240001"
    assert attack.values == {
        "title": "Armed assault in Quetta, Pakistan",
        "date": datetime.date(2016, 10, 24),
        "date_precision": DatePrecision.DAY,
        "end_date": None,
        "date_earliest": None,
        "date_latest": None,
        "locality": "Quetta",
        "province": "Balochistan",
        "country": "PK",
        "latitude": Decimal("30.187222"),
        "longitude": Decimal("66.995833"),
        "attack_type": AttackType.ARMED_ASSAULT,
        "target_type": TargetType.POLICE,
        "weapon_type": WeaponType.FIREARMS,
        "suicide": True,
        "killed": 61,
        "killed_qualifier": "exact",
        "wounded": 120,
        "wounded_qualifier": "exact",
        "description": "GTD summary: 10/24/2016: Assailants attacked the Balochistan Police College.",
        "perpetrator_description": "",  # the import fills it with the generic labels it knows
    }
    assert attack.perpetrators == (
        gtd.Perpetrator("Lashkar-e-Jhangvi", AttributionKind.ATTRIBUTED, "GTD", "Perpetrator group: Lashkar-e-Jhangvi"),
    )
    assert "Dawn" not in str(attack.values)  # scite texts are references, not our sources


def test_the_record_text_is_the_rows_own_words_and_the_quotes_are_lines_of_it():
    attack = parsed(approxdate="October 24-25, 2016", gname2="ISIL", claim2="1", city="Unknown", nkill="61.0")
    assert attack.record_text == (
        "10/24/2016: Assailants attacked the Balochistan Police College.\n"
        "\n"
        "Date: 2016 10 24 (approximate: October 24-25, 2016)\n"
        "Location: Balochistan, Pakistan\n"
        "Coordinates: 30.187222, 66.995833\n"
        "Attack type: Armed Assault\n"
        "Target type: Police\n"
        "Weapon type: Firearms\n"
        "Suicide attack: yes\n"
        "Killed: 61.0\n"
        "Wounded: 120\n"
        "Perpetrator group: Lashkar-e-Jhangvi\n"
        "Perpetrator group: ISIL (claim of responsibility: yes)"
    )
    assert attack.attack_quote == "Date: 2016 10 24 (approximate: October 24-25, 2016)\nLocation: Balochistan, Pakistan"
    for quote in (attack.attack_quote, *(perpetrator.quote for perpetrator in attack.perpetrators)):
        assert check_quote(quote, attack.record_text).found
    assert attack.record_text_hash == text_fingerprint(attack.record_text)


@pytest.mark.parametrize(
    ("changes", "lines"),
    [
        ({"imonth": "5", "iday": "0", "iyear": "1970"}, ["Date: 1970 05 00"]),
        ({"summary": "", "latitude": "", "longitude": "", "suicide": "", "nkill": "", "nwound": "0"}, ["Wounded: 0"]),
        ({"gname": "Unknown"}, ["Perpetrator group: Unknown"]),
        ({"guncertain1": "1", "claimed": ""}, ["Perpetrator group: Lashkar-e-Jhangvi (attribution uncertain: yes)"]),
        (
            {"guncertain1": "1", "claimed": "1"},
            ["Perpetrator group: Lashkar-e-Jhangvi (claim of responsibility: yes; attribution uncertain: yes)"],
        ),
    ],
)
def test_the_record_text_says_what_gtd_gives_and_leaves_out_what_it_does_not(changes, lines):
    text = parsed(**changes).record_text
    assert all(line in text.splitlines() for line in lines)
    if "summary" in changes:
        assert text.startswith("Date: ") and "Coordinates" not in text and "Suicide" not in text and "Killed" not in text


def test_the_source_of_an_event_is_gtds_incident_page_in_canonical_form():
    attack = parsed()
    assert (attack.source_title, attack.source_url) == (
        "Global Terrorism Database, event 201610240001",
        "https://www.start.umd.edu/gtd/search/IncidentSummary.aspx?gtdid=201610240001",
    )
    assert canonicalize_url(attack.source_url) == attack.source_url


@pytest.mark.parametrize(
    ("month", "day", "expected", "precision"),
    [
        ("10", "24", datetime.date(2016, 10, 24), DatePrecision.DAY),
        ("10", "0", datetime.date(2016, 10, 1), DatePrecision.MONTH),
        ("0", "0", datetime.date(2016, 1, 1), DatePrecision.YEAR),
        ("0", "12", datetime.date(2016, 1, 1), DatePrecision.YEAR),  # a day without its month says nothing
        ("10.0", "24.0", datetime.date(2016, 10, 24), DatePrecision.DAY),  # as spreadsheets export them
    ],
)
def test_gtd_zero_month_or_day_means_not_known_and_no_day_is_invented(month, day, expected, precision):
    attack = parsed(imonth=month, iday=day)
    assert (attack.values["date"], attack.values["date_precision"]) == (expected, precision)


def test_casualties_empty_is_unknown_and_a_number_is_exact():
    attack = parsed(nkill="", nwound="0")
    assert (attack.values["killed"], attack.values["killed_qualifier"]) == (None, "")
    assert (attack.values["wounded"], attack.values["wounded_qualifier"]) == (0, "exact")


def test_codebook_labels_map_whatever_their_case_and_ampersands():
    attack = parsed(
        attacktype1_txt="Hostage Taking (Kidnapping)",
        targtype1_txt="Private Citizens & Property",
        weaptype1_txt="Vehicle (not to include vehicle-borne explosives, i.e., car or truck bombs)",
    )
    assert attack.values["attack_type"] == AttackType.HOSTAGE_TAKING_KIDNAPPING
    assert attack.values["target_type"] == TargetType.PRIVATE_CITIZENS_PROPERTY
    assert attack.values["weapon_type"] == WeaponType.VEHICLE
    assert parsed(targtype1_txt="  journalists &  media ").values["target_type"] == TargetType.JOURNALISTS_MEDIA


def test_every_value_of_our_vocabularies_has_its_gtd_label():
    assert set(gtd.GTD_ATTACK_TYPES.values()) == set(AttackType.values)
    assert set(gtd.GTD_TARGET_TYPES.values()) == set(TargetType.values)
    assert set(gtd.GTD_WEAPON_TYPES.values()) == set(WeaponType.values)


@pytest.mark.parametrize(
    ("name", "code"),
    [("Pakistan", "PK"), ("West Bank and Gaza Strip", "PS"), ("Ivory Coast", "CI"), ("United States", "US"), ("Bosnia-Herzegovina", "BA"),
     ("Democratic Republic of the Congo", "CD"), ("Zaire", "CD"), ("West Germany (FRG)", "DE"), ("Macedonia", "MK"), ("Russia", "RU")],
)  # fmt: skip
def test_gtd_country_names_become_iso_codes(name, code):
    assert parsed(country_txt=name).values["country"] == code


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"country_txt": "Narnia"}, "unknown country “Narnia”"),
        ({"country_txt": "Soviet Union"}, "“Soviet Union” cannot be given an ISO 3166 code"),
        ({"latitude": ""}, "give both latitude and longitude, or neither"),
        ({"latitude": "95.5"}, "latitude 95.5 is outside -90 to 90"),
        ({"longitude": "-86185896"}, "longitude -86185896 is outside -180 to 180"),
        ({"longitude": "east"}, "longitude must be a number"),
        ({"latitude": "NaN"}, "latitude must be a number, not “NaN”"),
        ({"imonth": "2", "iday": "30"}, "2016-02-30 is not a date"),
        ({"imonth": "13"}, "imonth must be 1 to 12"),
        ({"iyear": ""}, "iyear must be a year"),
        ({"attacktype1_txt": "Bombing"}, "unknown attack type (attacktype1_txt) “Bombing”"),
        ({"weaptype1_txt": ""}, "the weapon type (weaptype1_txt) is empty"),
        ({"nkill": "2.5"}, "nkill must be a whole number"),
        ({"nwound": "-3"}, "nwound must be a count"),
        ({"suicide": "2"}, "suicide must be 0 or 1"),
        ({"eventid": "2016-1"}, "eventid must be a number"),
    ],
)
def test_bad_values_are_row_errors_that_say_why(changes, message):
    with pytest.raises(gtd.GtdRowError) as error:
        parsed(**changes)
    assert message in str(error.value)


def test_a_row_error_names_every_problem_in_the_row():
    with pytest.raises(gtd.GtdRowError, match="unknown country “Narnia”; latitude 95 is outside"):
        parsed(country_txt="Narnia", latitude="95")


def test_coordinates_are_optional_and_rounded_to_what_we_store():
    assert parsed(latitude="", longitude="").values["latitude"] is None
    attack = parsed(latitude="30.18722249999", longitude="66.9958")
    assert (attack.values["latitude"], attack.values["longitude"]) == (Decimal("30.187222"), Decimal("66.995800"))


def test_unknown_places_are_left_empty_and_the_title_uses_what_is_known():
    attack = parsed(city="Unknown", provstate="Sindh", attacktype1_txt="Unknown")
    assert attack.values["locality"] == "" and attack.values["title"] == "Attack in Sindh, Pakistan"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"claimed": "1"}, [("Lashkar-e-Jhangvi", "claimed", "")]),
        ({"guncertain1": "1"}, [("Lashkar-e-Jhangvi", "suspected", "GTD")]),
        ({"claimed": "-9"}, [("Lashkar-e-Jhangvi", "attributed", "GTD")]),
        ({"gname": "Unknown"}, []),
        (
            {"claimed": "1", "gname2": "Islamic State of Iraq and the Levant (ISIL)", "gname3": "Lashkar-e-Jhangvi"},
            [("Lashkar-e-Jhangvi", "claimed", ""), ("Islamic State of Iraq and the Levant (ISIL)", "attributed", "GTD")],
        ),
    ],
)
def test_claimed_and_uncertain_flags_set_the_kind_of_attribution(changes, expected):
    assert [(p.name, p.kind, p.attributed_by) for p in parsed(**changes).perpetrators] == expected


def test_the_second_row_with_an_eventid_is_refused():
    rows = [(2, gtd_row()), (3, gtd_row(nkill="5"))]
    results = list(gtd.parse_rows(rows))
    assert isinstance(results[0], gtd.GtdAttack)
    assert str(results[1]) == "line 3 (eventid 201610240001): the eventid is already on line 2"


def test_line_numbers_count_lines_inside_quoted_fields(tmp_path):
    path = write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(summary="First line.\nSecond line."), gtd_row(eventid="201610240002")])
    assert [line for line, _ in gtd.read_rows(path)] == [2, 4]


def test_checking_the_file_counts_its_lines_for_the_progress_bar(tmp_path):
    path = write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(), gtd_row(eventid="201610240002")])
    assert gtd.check_file(path) == 2
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    assert gtd.check_file(path) == 2
    path = write_gtd_csv(tmp_path / "gtd.csv", [gtd_row(summary="First line.\nSecond line.")])
    assert gtd.check_file(path) == 2  # a line break in a quoted field counts: the bar's total is made good at the end
