"""Reading a CSV in the Global Terrorism Database's column layout: one GTD row becomes one attack and its attributions.

The functions here parse and map; they write nothing (`groups.gtd.write.attacks_bulk_import` does, and
`groups.gtd.pipeline` drives both for `manage.py import_gtd`). The mapping:

- `eventid` → the attack's slug `gtd-<eventid>`, so importing a file again updates those attacks
  instead of adding new ones.
- `iyear`/`imonth`/`iday` → a partial date. GTD writes 0 for a month or day it does not know: day 0 gives
  a date known to the month, month 0 a date known to the year. No day is ever invented.
- `approxdate` is GTD's note that the date is not known exactly, in words ("May 27-June 5, 1970", "March 1970",
  "1970"); the day in `iday` is then GTD's estimate. The import reads the words (`approximate_range`) as a range of
  days: a range of one day is that day; a whole month or year is the date to that month or year; any other range
  gives the period that holds it (its month, else its year; for a range across two years, GTD's `iyear`) as the
  date, and its first and last days as the attack's earliest and latest possible dates. Words it cannot read, or a
  range that does not hold GTD's own date, leave GTD's date known only to the month (a day is never claimed from an
  estimate); the report counts these rows. The words stay in the event's record ("Date: 1970 05 29 (approximate:
  …)").
- `extended` = 1 (the incident lasted more than 24 hours) with `resolution` (the day it ended) → the end date,
  when the start is known to the day and the end comes after it (the model keeps end dates for known days only).
- `country_txt` → an ISO 3166 code, by django-countries' names and the GTD names in `GTD_COUNTRY_NAMES`.
  States that split into several countries (Soviet Union, Yugoslavia, Czechoslovakia, Serbia-Montenegro),
  "International" and Kosovo (no ISO 3166-1 code) are row errors: the attack cannot be placed in one country.
- `provstate`, `city` → province, locality ("Unknown" → empty). `latitude`, `longitude` → coordinates:
  both or neither, in range, rounded to the 6 decimals we store.
- `attacktype1_txt`, `targtype1_txt`, `weaptype1_txt` → our GTD vocabularies, by the codebook labels in
  the tables below (case and spacing ignored). A label not in them is a row error.
- `suicide` 0/1 → no/yes (empty: unknown).
- `nkill`, `nwound` → killed, wounded. Empty is unknown (no figure, no qualifier). A number is stored
  with the qualifier "exact": GTD gives one figure per event, as its sources reported it, without their
  wording ("at least", "more than"); GTD's own rule is to record the lowest figure the sources give.
- `gname`, `gname2`, `gname3` → attributions, each matched to a group by its search key
  (`normalize_name`) against, in this order, groups' GTD names, their names, their aliases.
  "Unknown" makes no attribution. With `claimed` (or `claim2`/`claim3` for the others) = 1 the
  attribution is a claim ("Claimed by"); otherwise GTD attributed it, so it is kind "attributed" with
  `attributed_by` "GTD", or kind "suspected" by "GTD" when `guncertain1` (`guncertain2`/`3`) = 1, which is
  GTD's mark for an attribution based on speculation or a dubious claim. A name that is one of GTD's generic
  labels for a kind of people rather than an organisation ("Gunmen", "Tribesmen", "Muslim extremists": the
  table of GTD perpetrator names, `groups.models.GtdPerpetratorName`, and the labels shipped in
  `generic_perpetrators.txt`) makes no attribution either: the attack keeps the label in its "perpetrators as
  described" field (`groups.gtd.match`), and no group is ever made of it.
- `compclaim` = 1 says that more than one group claimed the attack and the claims compete. Each claim stays a
  claim (kind "claimed": the group did claim it), and its description says the claims compete and names the other
  claimants GTD lists, so no claim reads as settled. GTD makes no finding between them, so none is marked
  "disputed" by GTD (that kind is for a party that disputes an attribution).
- `summary` → the attack's description, attributed: "GTD summary: …".
- A title is made from the attack type and place ("Bombing/explosion in Quetta, Pakistan"); GTD has none.

What the facts cite: each event is a source of its own, `gtd-<eventid>` ("Global Terrorism Database, event
<eventid>", GTD's incident page as its URL), whose text is the row's own words (`compose_record_text`): the summary,
then one line per value the import reads, as GTD writes it ("Date: 1970 05 00", "Killed: 0", "Perpetrator
group: Black Panthers (attribution uncertain: yes)"). The attack cites the lines of its date and place, each
attribution and each group the import creates the line of its perpetrator, with the flags that make the
attribution a claim or a suspicion.

Not imported: `scite1`..`scite3` (free-text references to GTD's sources, not articles we hold as
Source records, so they cannot be cited here), and every other GTD column: the region, the second and third attack,
target and weapon types and the subtypes, target names and nationalities, perpetrator counts, hostages,
ransom, property damage, motive, `success`, the inclusion criteria and `dbsource`.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime
import operator
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django_countries import countries

from kb.dates import DatePrecision
from sources.text import text_fingerprint

from ..models import AttackType, AttributionKind, CountQualifier, TargetType, WeaponType

REQUIRED_COLUMNS = (
    "eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "city", "latitude", "longitude",
    "attacktype1_txt", "targtype1_txt", "weaptype1_txt", "suicide", "nkill", "nwound",
    "gname", "gname2", "gname3", "claimed", "guncertain1", "summary",
)  # fmt: skip
# The columns the import reads: the required ones, the flags of the second and third group and the approximate
# date when the file has them.
READ_COLUMNS = (
    *REQUIRED_COLUMNS, "claim2", "guncertain2", "claim3", "guncertain3", "approxdate", "extended", "resolution", "compclaim",
)  # fmt: skip
# The fields of an attack that GTD gives; an import compares and writes these and leaves the rest
# (publication status, district) to the editors. An end date an editor gave stays while GTD gives none.
IMPORTED_FIELDS = (
    "title", "date", "date_precision", "end_date", "date_earliest", "date_latest", "locality", "province", "country",
    "latitude", "longitude", "attack_type", "target_type", "weapon_type", "suicide", "killed", "killed_qualifier",
    "wounded", "wounded_qualifier", "description", "perpetrator_description",
)  # fmt: skip
DESCRIPTION_MAX_LENGTH = 300  # Attribution.description and Attack.perpetrator_description
SLUG_PREFIX = "gtd-"
GTD_ATTRIBUTED_BY = "GTD"
UNKNOWN = "unknown"
PLACE_MAX_LENGTH = 200
TITLE_MAX_LENGTH = 300
MAX_COUNT = 2**31 - 1  # PositiveIntegerField
# The source each event is cited from.
GTD_OUTLET = "Global Terrorism Database (START)"
GTD_INCIDENT_URL = "https://www.start.umd.edu/gtd/search/IncidentSummary.aspx?gtdid={eventid}"  # as canonicalize_url stores it
INCIDENT_LOCATOR = "incident values"  # where in the record an attack's quote is, and a perpetrator's
PERPETRATOR_LOCATOR = "perpetrator"

# The GTD codebook's labels, as its CSV files write them.
GTD_ATTACK_TYPES = {
    "Assassination": AttackType.ASSASSINATION,
    "Armed Assault": AttackType.ARMED_ASSAULT,
    "Bombing/Explosion": AttackType.BOMBING_EXPLOSION,
    "Hijacking": AttackType.HIJACKING,
    "Hostage Taking (Barricade Incident)": AttackType.HOSTAGE_TAKING_BARRICADE,
    "Hostage Taking (Kidnapping)": AttackType.HOSTAGE_TAKING_KIDNAPPING,
    "Facility/Infrastructure Attack": AttackType.FACILITY_INFRASTRUCTURE_ATTACK,
    "Unarmed Assault": AttackType.UNARMED_ASSAULT,
    "Unknown": AttackType.UNKNOWN,
}
GTD_TARGET_TYPES = {
    "Business": TargetType.BUSINESS,
    "Government (General)": TargetType.GOVERNMENT_GENERAL,
    "Police": TargetType.POLICE,
    "Military": TargetType.MILITARY,
    "Abortion Related": TargetType.ABORTION_RELATED,
    "Airports & Aircraft": TargetType.AIRPORTS_AIRCRAFT,
    "Government (Diplomatic)": TargetType.GOVERNMENT_DIPLOMATIC,
    "Educational Institution": TargetType.EDUCATIONAL_INSTITUTION,
    "Food or Water Supply": TargetType.FOOD_WATER_SUPPLY,
    "Journalists & Media": TargetType.JOURNALISTS_MEDIA,
    "Maritime": TargetType.MARITIME,
    "NGO": TargetType.NGO,
    "Other": TargetType.OTHER,
    "Private Citizens & Property": TargetType.PRIVATE_CITIZENS_PROPERTY,
    "Religious Figures/Institutions": TargetType.RELIGIOUS_FIGURES_INSTITUTIONS,
    "Telecommunication": TargetType.TELECOMMUNICATION,
    "Terrorists/Non-State Militia": TargetType.TERRORISTS_NON_STATE_MILITIA,
    "Tourists": TargetType.TOURISTS,
    "Transportation": TargetType.TRANSPORTATION,
    "Unknown": TargetType.UNKNOWN,
    "Utilities": TargetType.UTILITIES,
    "Violent Political Party": TargetType.VIOLENT_POLITICAL_PARTY,
}
GTD_WEAPON_TYPES = {
    "Biological": WeaponType.BIOLOGICAL,
    "Chemical": WeaponType.CHEMICAL,
    "Radiological": WeaponType.RADIOLOGICAL,
    "Nuclear": WeaponType.NUCLEAR,
    "Firearms": WeaponType.FIREARMS,
    "Explosives": WeaponType.EXPLOSIVES,
    "Explosives/Bombs/Dynamite": WeaponType.EXPLOSIVES,  # the label before the 2017 codebook
    "Fake Weapons": WeaponType.FAKE_WEAPONS,
    "Incendiary": WeaponType.INCENDIARY,
    "Melee": WeaponType.MELEE,
    "Vehicle (not to include vehicle-borne explosives, i.e., car or truck bombs)": WeaponType.VEHICLE,
    "Vehicle": WeaponType.VEHICLE,
    "Sabotage Equipment": WeaponType.SABOTAGE_EQUIPMENT,
    "Other": WeaponType.OTHER,
    "Unknown": WeaponType.UNKNOWN,
}

# GTD's country names that django-countries does not know, each the same territory as today's country.
GTD_COUNTRY_NAMES = {
    "West Bank and Gaza Strip": "PS",
    "Ivory Coast": "CI",
    "Bosnia-Herzegovina": "BA",
    "Republic of the Congo": "CG",
    "People's Republic of the Congo": "CG",
    "Congo (Brazzaville)": "CG",
    "Congo (Kinshasa)": "CD",
    "Zaire": "CD",
    "East Timor": "TL",
    "United States": "US",
    "St. Kitts and Nevis": "KN",
    "St. Lucia": "LC",
    "Falkland Islands": "FK",
    "Macau": "MO",
    "Slovak Republic": "SK",
    "Cape Verde": "CV",
    "Burma": "MM",
    "Great Britain": "GB",
    "Northern Ireland": "GB",
    "Corsica": "FR",
    "Rhodesia": "ZW",
    "New Hebrides": "VU",
    "South Vietnam": "VN",
    "North Yemen": "YE",
    "South Yemen": "YE",
    "West Germany (FRG)": "DE",
    "East Germany (GDR)": "DE",
}
# GTD's names for what no single ISO 3166-1 code covers.
GTD_UNPLACEABLE_COUNTRIES = {
    "Soviet Union": "it split into several countries, and GTD does not say which one the place is in today",
    "Yugoslavia": "it split into several countries, and GTD does not say which one the place is in today",
    "Czechoslovakia": "it split into two countries, and GTD does not say which one the place is in today",
    "Serbia-Montenegro": "it split into two countries, and GTD does not say which one the place is in today",
    "International": "GTD uses it for attacks in no country (at sea, in the air)",
    "Kosovo": "Kosovo has no ISO 3166-1 code",
}


class GtdFileError(Exception):
    """The file cannot be read as a GTD CSV at all: wrong encoding, missing columns."""


class GtdRowError(Exception):
    """One row cannot be imported; the message says why (all its problems, separated by semicolons)."""


@dataclass(frozen=True)
class Perpetrator:
    """A group named in a GTD row, how GTD says it is linked to the attack, and the line of the record saying so."""

    name: str
    kind: str
    attributed_by: str
    quote: str
    description: str = ""  # competing claims: the others


@dataclass(frozen=True)
class GtdAttack:
    """One parsed GTD row: the attack's slug and values, who did it, and the record's text they are cited from."""

    line: int
    eventid: str
    slug: str
    values: dict[str, Any]
    perpetrators: tuple[Perpetrator, ...]
    record_text: str
    record_text_hash: str  # `sources.text.text_fingerprint`, made here in the reading thread
    attack_quote: str  # the lines of `record_text` giving the attack's date and place
    approximate_date_unread: bool = False  # `approxdate` holds words the import could not read as days

    @property
    def source_title(self) -> str:
        return f"Global Terrorism Database, event {self.eventid}"

    @property
    def source_url(self) -> str:
        return GTD_INCIDENT_URL.format(eventid=self.eventid)


@dataclass(frozen=True)
class RowProblem:
    line: int
    eventid: str
    message: str

    def __str__(self) -> str:
        event = f" (eventid {self.eventid})" if self.eventid else ""
        return f"line {self.line}{event}: {self.message}"


@lru_cache(maxsize=1024)
def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _table(labels: dict[str, str]) -> dict[str, str]:
    return {_label_key(label): value for label, value in labels.items()}


_ATTACK_TYPES, _TARGET_TYPES, _WEAPON_TYPES = _table(GTD_ATTACK_TYPES), _table(GTD_TARGET_TYPES), _table(GTD_WEAPON_TYPES)
_COUNTRY_NAMES = _table(GTD_COUNTRY_NAMES)
_UNPLACEABLE = _table(GTD_UNPLACEABLE_COUNTRIES)


# ---------------------------------------------------------------------------------------------------------
# Reading the file


def check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as error:
        raise GtdFileError(f"Unknown encoding {encoding!r}; GTD files are UTF-8 or Latin-1 (--encoding latin-1).") from error


def _decoded_lines(binary: Iterable[bytes], encoding: str, nul_lines: set[int]) -> Iterator[str]:
    """The file's lines as text; the numbers of those holding a NUL character are added to `nul_lines`."""
    for number, raw in enumerate(binary, start=1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            byte = raw[error.start : error.start + 1].hex()
            raise GtdFileError(
                f"Line {number} is not valid {encoding} (byte 0x{byte} at position {error.start + 1}). "
                "GTD files are often Latin-1: try --encoding latin-1."
            ) from error
        if "\x00" in text:
            nul_lines.add(number)
        yield text.removeprefix("\ufeff") if number == 1 else text


def read_rows(path: Path, *, encoding: str = "utf-8") -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row as (the line it starts on, {column: value} for the columns the import reads); rows that are
    entirely empty are skipped.

    Raises GtdFileError when the file cannot be decoded or lacks a column the import needs. A row that cannot
    be imported whatever its values comes back with the key `None` holding the reason: it has more or fewer
    fields than the header (its record then holds every column), or a NUL character in any of its fields.
    """
    encoding = check_encoding(encoding)
    nul_lines: set[int] = set()
    with path.open("rb") as binary:
        reader = csv.reader(_decoded_lines(binary, encoding, nul_lines), strict=False)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise GtdFileError(f"{path} is empty; a GTD file starts with a header row (eventid, iyear, …).") from None
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise GtdFileError(f"{path} lacks the GTD column(s) {', '.join(missing)}; the header has {', '.join(header[:12])}…")
        width = len(header)
        position = {name: index for index, name in enumerate(header)}  # a repeated column name: its last one
        read = [name for name in READ_COLUMNS if name in position]
        read_values = operator.itemgetter(*(position[name] for name in read))
        previous_end = reader.line_num
        for fields in _csv_rows(reader):
            line, previous_end = previous_end + 1, reader.line_num
            if not (fields and fields[0].strip()) and not any(value.strip() for value in fields):
                continue
            if len(fields) != width:
                record = dict(zip(header, fields, strict=False))
                record[None] = f"the row has {len(fields)} fields where the header has {width}"
            else:
                record = dict(zip(read, read_values(fields), strict=True))
                if nul_lines and not nul_lines.isdisjoint(range(line, previous_end + 1)):
                    record[None] = "the row holds a NUL character"
            yield line, record


def _csv_rows(reader) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as error:  # a field longer than the csv module takes (128 KiB)
        raise GtdFileError(f"Line {reader.line_num} cannot be read as CSV: {error}.") from error


def check_file(path: Path, *, encoding: str = "utf-8") -> int:
    """Find what keeps the whole file from being read (its header, a line not in `encoding`) before anything is written.

    Returns the number of lines after the header: the rows, give or take empty rows and line breaks in quoted fields.
    """
    encoding = check_encoding(encoding)
    next(read_rows(path, encoding=encoding), None)
    decoder, lines, last = codecs.getincrementaldecoder(encoding)(), 0, b"\n"
    with path.open("rb") as binary:
        try:
            while chunk := binary.read(1 << 20):
                decoder.decode(chunk)
                lines, last = lines + chunk.count(b"\n"), chunk[-1:]
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            for _ in read_rows(path, encoding=encoding):  # line by line, to say on which line
                pass
            raise GtdFileError(f"{path} is not valid {encoding} ({error}). GTD files are often Latin-1: try --encoding latin-1.") from error
    return max(lines - (last == b"\n"), 0)  # the header line out, a last line without a line break in


# ---------------------------------------------------------------------------------------------------------
# Mapping one row


def parse_row(record: dict[str, str], line: int) -> GtdAttack:
    """Map one GTD row to an attack; raises GtdRowError naming every problem in the row."""
    problems: list[str] = []

    def attempt(parse, *args):
        try:
            return parse(*args)
        except GtdRowError as error:
            problems.append(str(error))
            return None

    if record.get(None):
        raise GtdRowError(record[None])
    eventid = record["eventid"].strip()
    if not (eventid.isascii() and eventid.isdigit()):
        problems.append(f"eventid must be a number, not “{eventid}”")
    date = attempt(attack_dates, record)
    country = attempt(country_code, record["country_txt"])
    coordinates = attempt(parse_coordinates, record["latitude"], record["longitude"])
    attack_type = attempt(choice, _ATTACK_TYPES, record["attacktype1_txt"], "attack type (attacktype1_txt)")
    target_type = attempt(choice, _TARGET_TYPES, record["targtype1_txt"], "target type (targtype1_txt)")
    weapon_type = attempt(choice, _WEAPON_TYPES, record["weaptype1_txt"], "weapon type (weaptype1_txt)")
    suicide = attempt(flag, record["suicide"], "suicide")
    killed = attempt(casualties, record["nkill"], "nkill")
    wounded = attempt(casualties, record["nwound"], "nwound")
    province = attempt(place, record["provstate"], "provstate")
    locality = attempt(place, record["city"], "city")
    perpetrators = attempt(parse_perpetrators, record)
    if problems:
        raise GtdRowError("; ".join(problems))

    values = {
        "title": attack_title(attack_type, locality or province, record["country_txt"]),
        "date": date.date,
        "date_precision": date.precision,
        "end_date": date.end_date,
        "date_earliest": date.earliest,
        "date_latest": date.latest,
        "locality": locality,
        "province": province,
        "country": country,
        "latitude": coordinates[0],
        "longitude": coordinates[1],
        "attack_type": attack_type,
        "target_type": target_type,
        "weapon_type": weapon_type,
        "suicide": suicide,
        "killed": killed[0],
        "killed_qualifier": killed[1],
        "wounded": wounded[0],
        "wounded_qualifier": wounded[1],
        "description": attack_description(record["summary"]),
        "perpetrator_description": "",  # the generic labels among the perpetrators: `groups.gtd.match` knows them
    }
    attack_lines = incident_lines(record)
    text = compose_record_text(record["summary"], attack_lines, perpetrators, record["gname"], record.get("compclaim") or "")
    return GtdAttack(
        line=line,
        eventid=eventid,
        slug=f"{SLUG_PREFIX}{eventid}",
        values=values,
        perpetrators=perpetrators,
        record_text=text,
        record_text_hash=text_fingerprint(text),
        attack_quote="\n".join(attack_lines[: 3 if date.extended_line else 2]),  # "Date: …", ("Extended incident: …"), "Location: …"
        approximate_date_unread=date.unread,
    )


def parse_rows(rows: Iterable[tuple[int, dict[str, str]]]) -> Iterator[GtdAttack | RowProblem]:
    """Each row parsed, or the problem that keeps it out (a second row with the same eventid among them)."""
    first_seen: dict[str, int] = {}
    for line, record in rows:
        try:
            attack = parse_row(record, line)
        except GtdRowError as error:
            yield RowProblem(line, (record.get("eventid") or "").strip(), str(error))
            continue
        if attack.eventid in first_seen:
            yield RowProblem(line, attack.eventid, f"the eventid is already on line {first_seen[attack.eventid]}")
            continue
        first_seen[attack.eventid] = line
        yield attack


@dataclass
class ParsedBatch:
    """Consecutive rows of the file: the attacks they give and the problems of the rows that give none."""

    rows: int = 0
    attacks: list[GtdAttack] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def parse_batches(rows: Iterable[tuple[int, dict[str, str]]], *, size: int) -> Iterator[ParsedBatch]:
    """`parse_rows` in batches of `size` rows (the last one may be smaller)."""
    batch = ParsedBatch()
    for parsed in parse_rows(rows):
        batch.rows += 1
        (batch.problems if isinstance(parsed, RowProblem) else batch.attacks).append(parsed)
        if batch.rows >= size:
            yield batch
            batch = ParsedBatch()
    if batch.rows:
        yield batch


def integer(value: str, column: str) -> int | None:
    """GTD's whole numbers, also as spreadsheets export them ("3.0"); None when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or not number.is_integer():
        raise GtdRowError(f"{column} must be a whole number, not “{value}”")
    return int(number)


@lru_cache(maxsize=1 << 16)  # the functions below are pure, and GTD's values repeat a lot
def partial_date(year: str, month: str, day: str) -> tuple[datetime.date, str]:
    """(first day of the known period, precision); GTD's month or day 0 means not known."""
    year_number, month_number, day_number = integer(year, "iyear"), integer(month, "imonth") or 0, integer(day, "iday") or 0
    if year_number is None or not 1 <= year_number <= 9999:
        raise GtdRowError(f"iyear must be a year, not “{year.strip()}”")
    if not 0 <= month_number <= 12:
        raise GtdRowError(f"imonth must be 1 to 12 (0: not known), not {month_number}")
    if not 0 <= day_number <= 31:
        raise GtdRowError(f"iday must be 1 to 31 (0: not known), not {day_number}")
    if month_number == 0:
        return datetime.date(year_number, 1, 1), DatePrecision.YEAR
    if day_number == 0:
        return datetime.date(year_number, month_number, 1), DatePrecision.MONTH
    try:
        return datetime.date(year_number, month_number, day_number), DatePrecision.DAY
    except ValueError:
        raise GtdRowError(f"{year_number}-{month_number:02}-{day_number:02} is not a date") from None


@dataclass(frozen=True)
class AttackDates:
    """When an attack happened, as the model keeps it: a partial date, the last day of an attack that lasted days, and
    the first and last possible days when GTD knows only a range."""

    date: datetime.date
    precision: str
    end_date: datetime.date | None = None
    earliest: datetime.date | None = None
    latest: datetime.date | None = None
    unread: bool = False  # `approxdate` held words that could not be read as days
    extended_line: bool = False  # the record has an "Extended incident" line, which the attack's quote includes


def attack_dates(record: dict[str, str]) -> AttackDates:
    get = record.get
    return _attack_dates(
        record["iyear"], record["imonth"], record["iday"], get("approxdate") or "", get("extended") or "", get("resolution") or ""
    )


@lru_cache(maxsize=1 << 16)
def _attack_dates(year: str, month: str, day: str, approximate: str, extended: str, resolution: str) -> AttackDates:
    date, precision = partial_date(year, month, day)
    extended_line = bool(flag(extended, "extended"))
    approximate = " ".join(approximate.split())
    earliest = latest = None
    unread = False
    if approximate:
        window = approximate_range(approximate)
        first, last = _period(date, precision)
        if window is None or window[1] < first or window[0] > last:
            unread = True  # GTD's day is an estimate the words do not bear out: the month is all that is claimed
            if precision == DatePrecision.DAY:
                date, precision = date.replace(day=1), DatePrecision.MONTH
        else:
            date, precision, earliest, latest = _date_for_range(*window, gtd_year=date.year)
    end_date = None
    if extended_line and precision == DatePrecision.DAY and (ended := approximate_range(resolution)) and ended[0] == ended[1]:
        end_date = ended[0] if ended[0] > date else None
    return AttackDates(date, precision, end_date, earliest, latest, unread, extended_line)


def _period(date: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day a partial date may mean."""
    if precision == DatePrecision.DAY:
        return date, date
    if precision == DatePrecision.MONTH:
        return date, date.replace(day=calendar.monthrange(date.year, date.month)[1])
    return date.replace(month=1, day=1), date.replace(month=12, day=31)


def _date_for_range(first: datetime.date, last: datetime.date, *, gtd_year: int) -> tuple:
    """(date, precision, earliest, latest) for an attack on some day from `first` to `last`."""
    if first == last:
        return first, DatePrecision.DAY, None, None
    month_start, year_start = first.replace(day=1), first.replace(month=1, day=1)
    if (first.year, first.month) == (last.year, last.month):
        whole = first == month_start and last == _period(month_start, DatePrecision.MONTH)[1]
        return (month_start, DatePrecision.MONTH, None, None) if whole else (month_start, DatePrecision.MONTH, first, last)
    if first.year == last.year:
        whole = first == year_start and last == year_start.replace(month=12, day=31)
        return (year_start, DatePrecision.YEAR, None, None) if whole else (year_start, DatePrecision.YEAR, first, last)
    year = gtd_year if first.year <= gtd_year <= last.year else first.year  # across years: GTD's own year holds its estimate
    return datetime.date(year, 1, 1), DatePrecision.YEAR, first, last


_MONTHS = {
    **{name.casefold(): number for number, name in enumerate(calendar.month_name) if name},
    **{name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name},
    "sept": 9,
}
# Words around a date that do not change which days it means ("approximately", "between … and …", "early", "mid-").
_FILLER_WORDS = frozenset(
    "approximately approx about around circa ca c on or sometime some time in between from during early mid late the of week".split()
)
_RANGE_SEPARATOR = re.compile(r"\s*(?:[-–—]|\bto\b|\bthrough\b|\bthru\b|\buntil\b|\band\b|&)\s*")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TOKEN = re.compile(r"[a-z]+|\d+")


@lru_cache(maxsize=1 << 12)
def approximate_range(text: str) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day that GTD's words for a date may mean, or None when they cannot be read as days.

    "May 27-June 5, 1970", "January 19-20, 1970", "May 27, 1970 - June 5, 1970", "between 3 and 5 May 2003", "March
    1970", "mid-March 1970" (the month), "1970", "1970-01-05", "1/5/1970" (GTD's month first). Words that bound a
    date on one side only ("before May 1970") or name no date are not read.
    """
    text = _ISO_DATE.sub(r"\2/\3/\1", text.casefold().strip().rstrip("."))
    text = re.sub(r"\b(early|mid|late)-", r"\1 ", text)
    text = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", text)
    parts = [part for part in _RANGE_SEPARATOR.split(text) if part.strip(" ,")]
    if not 1 <= len(parts) <= 2:
        return None
    ends = [_date_words(part.strip(" ,")) for part in parts]
    if any(end is None for end in ends):
        return None
    start, end = ends[0], ends[-1]
    if len(ends) == 2:
        start = (start[0] or end[0], start[1] or (end[1] if start[2] else None), start[2])
        end = (end[0] or start[0], end[1] or (start[1] if end[2] else None), end[2])
    for year, month, day in (start, end):
        if year is None or (day is not None and month is None):
            return None
    try:
        first = datetime.date(start[0], start[1] or 1, start[2] or 1)
        last_month = end[1] or 12
        last = datetime.date(end[0], last_month, end[2] or calendar.monthrange(end[0], last_month)[1])
    except ValueError:
        return None
    return (first, last) if first <= last else None


def _date_words(words: str) -> tuple[int | None, int | None, int | None] | None:
    """(year, month, day) of one end of a range, each None when the words do not give it; None when they are not a date."""
    if numeric := _NUMERIC_DATE.match(words):
        month, day, year = map(int, numeric.groups())
        return (year, month, day) if 1 <= month <= 12 and 1 <= day <= 31 and year >= 1 else None
    year = month = day = None
    for token in _TOKEN.findall(words):
        if token.isdigit():
            number = int(token)
            if len(token) == 4 and year is None and number >= 1:
                year = number
            elif len(token) <= 2 and day is None and 1 <= number <= 31:
                day = number
            else:
                return None
        elif token in _MONTHS and month is None:
            month = _MONTHS[token]
        elif token not in _FILLER_WORDS:
            return None
    return (year, month, day) if (year, month, day) != (None, None, None) else None


@lru_cache(maxsize=512)
def country_code(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise GtdRowError("country_txt is empty")
    key = name.casefold()
    if key in _UNPLACEABLE:
        raise GtdRowError(f"country “{name}” cannot be given an ISO 3166 code: {_UNPLACEABLE[key]}")
    code = _COUNTRY_NAMES.get(key) or countries.by_name(name)
    if not code:
        raise GtdRowError(f"unknown country “{name}”")
    return code


_SIX_PLACES = Decimal("0.000001")


def parse_coordinates(latitude: str, longitude: str) -> tuple[Decimal | None, Decimal | None]:
    latitude, longitude = latitude.strip(), longitude.strip()
    if not latitude and not longitude:
        return None, None
    if not latitude or not longitude:
        raise GtdRowError("give both latitude and longitude, or neither")
    points = []
    for value, column, limit in ((latitude, "latitude", 90), (longitude, "longitude", 180)):
        try:
            number = Decimal(value).quantize(_SIX_PLACES, rounding=ROUND_HALF_EVEN)
            if number.is_nan():  # "NaN" quantizes to itself, and compares to nothing
                raise InvalidOperation
        except InvalidOperation:
            raise GtdRowError(f"{column} must be a number, not “{value}”") from None
        if not -limit <= number <= limit:
            raise GtdRowError(f"{column} {value} is outside -{limit} to {limit}")
        points.append(number)
    return points[0], points[1]


def choice(table: dict[str, str], label: str, what: str) -> str:
    value = table.get(_label_key(label))
    if value is None:
        shown = " ".join(label.split())
        raise GtdRowError(f"unknown {what} “{shown}”" if shown else f"the {what} is empty")
    return value


@lru_cache(maxsize=1024)
def flag(value: str, column: str) -> bool | None:
    """GTD's 0/1 fields; empty (and GTD's -9, "unknown") is None."""
    number = integer(value, column)
    if number in (None, -9):
        return None
    if number not in (0, 1):
        raise GtdRowError(f"{column} must be 0 or 1, not {number}")
    return number == 1


@lru_cache(maxsize=1 << 12)
def casualties(value: str, column: str) -> tuple[int | None, str]:
    number = integer(value, column)
    if number is None:
        return None, ""
    if not 0 <= number <= MAX_COUNT:
        raise GtdRowError(f"{column} must be a count, not {number}")
    return number, CountQualifier.EXACT


@lru_cache(maxsize=1 << 14)
def place(value: str, column: str) -> str:
    value = " ".join(value.split())
    if value.casefold() == UNKNOWN:
        return ""
    if len(value) > PLACE_MAX_LENGTH:
        raise GtdRowError(f"{column} is longer than {PLACE_MAX_LENGTH} characters")
    return value


_PERPETRATOR_COLUMNS = (("gname", "claimed", "guncertain1"), ("gname2", "claim2", "guncertain2"), ("gname3", "claim3", "guncertain3"))


def parse_perpetrators(record: dict[str, str]) -> tuple[Perpetrator, ...]:
    """The groups GTD names (gname, gname2, gname3), each once, with how it links them to the attack."""
    get = record.get
    return _perpetrators(
        get("compclaim") or "",
        get("gname") or "", get("claimed") or "", get("guncertain1") or "",
        get("gname2") or "", get("claim2") or "", get("guncertain2") or "",
        get("gname3") or "", get("claim3") or "", get("guncertain3") or "",
    )  # fmt: skip


COMPETING_CLAIMS = "One of competing claims of responsibility (GTD)"


@lru_cache(maxsize=1 << 14)
def _perpetrators(competing: str, *values: str) -> tuple[Perpetrator, ...]:
    found: dict[str, Perpetrator] = {}
    for number, (_, claim_column, uncertain_column) in enumerate(_PERPETRATOR_COLUMNS):
        name, claim, uncertain = values[3 * number : 3 * number + 3]
        name = " ".join(name.split())
        if not name or name.casefold() == UNKNOWN:
            continue
        claimed = flag(claim, claim_column)
        uncertain = flag(uncertain, uncertain_column)
        quote = perpetrator_line(name, claimed, uncertain, competing=bool(claimed and flag(competing, "compclaim")))
        if claimed:
            perpetrator = Perpetrator(name, AttributionKind.CLAIMED, "", quote)
        elif uncertain:
            perpetrator = Perpetrator(name, AttributionKind.SUSPECTED, GTD_ATTRIBUTED_BY, quote)
        else:
            perpetrator = Perpetrator(name, AttributionKind.ATTRIBUTED, GTD_ATTRIBUTED_BY, quote)
        found.setdefault(name.casefold(), perpetrator)
    perpetrators = tuple(found.values())
    if flag(competing, "compclaim"):
        claimants = [perpetrator.name for perpetrator in perpetrators if perpetrator.kind == AttributionKind.CLAIMED]
        perpetrators = tuple(
            replace(perpetrator, description=_competing_claim(perpetrator.name, claimants))
            if perpetrator.kind == AttributionKind.CLAIMED
            else perpetrator
            for perpetrator in perpetrators
        )
    return perpetrators


def _competing_claim(name: str, claimants: list[str]) -> str:
    others = [f"“{other}”" for other in claimants if other != name]
    text = f"{COMPETING_CLAIMS}; also claimed by {', '.join(others)}." if others else f"{COMPETING_CLAIMS}."
    return text if len(text) <= DESCRIPTION_MAX_LENGTH else text[: DESCRIPTION_MAX_LENGTH - 1] + "…"


def attack_title(attack_type: str, place_name: str, country_name: str) -> str:
    """ "Bombing/explosion in Quetta, Pakistan": GTD has no titles."""
    what = _attack_words(attack_type)
    where = ", ".join(part for part in (place_name, " ".join(country_name.split())) if part)
    title = f"{what} in {where}" if where else what
    return title if len(title) <= TITLE_MAX_LENGTH else title[: TITLE_MAX_LENGTH - 1] + "…"


@lru_cache(maxsize=32)
def _attack_words(attack_type: str) -> str:
    return "Attack" if attack_type == AttackType.UNKNOWN else str(AttackType(attack_type).label)


def attack_description(summary: str) -> str:
    summary = summary.strip()
    return f"GTD summary: {summary}" if summary else ""


# ---------------------------------------------------------------------------------------------------------
# The record's own words, which the facts quote


_YES_NO = {True: "yes", False: "no"}


def _words(value: str) -> str:
    return " ".join(value.split())


def incident_lines(record: dict[str, str]) -> list[str]:
    """The lines of an event's record that give the attack's values, as GTD writes them (only of a row that parses).

    "Date: 2016 10 24", "Location: Quetta, Balochistan, Pakistan", "Attack type: Armed Assault", "Killed: 61"…
    """
    approximate = _words(record.get("approxdate") or "")
    lines = [_date_line(record["iyear"], record["imonth"], record["iday"]) + (f" (approximate: {approximate})" if approximate else "")]
    if extended := _extended_line(record.get("extended") or "", record.get("resolution") or ""):
        lines.append(extended)
    place_names = map(_words, (record["city"], record["provstate"], record["country_txt"]))
    where = [name for name in place_names if name and name.casefold() != UNKNOWN]
    lines.append(f"Location: {', '.join(where)}")
    if record["latitude"].strip():
        lines.append(f"Coordinates: {record['latitude'].strip()}, {record['longitude'].strip()}")
    lines += [
        f"Attack type: {_words(record['attacktype1_txt'])}",
        f"Target type: {_words(record['targtype1_txt'])}",
        f"Weapon type: {_words(record['weaptype1_txt'])}",
    ]
    if (suicide := flag(record["suicide"], "suicide")) is not None:
        lines.append(f"Suicide attack: {_YES_NO[suicide]}")
    for label, column in (("Killed", "nkill"), ("Wounded", "nwound")):
        if value := record[column].strip():
            lines.append(f"{label}: {value}")
    return lines


@lru_cache(maxsize=1 << 16)
def _date_line(year: str, month: str, day: str) -> str:
    """GTD's year, month and day, 00 where it does not know them: "Date: 1970 05 00"."""
    return f"Date: {integer(year, 'iyear')} {integer(month, 'imonth') or 0:02} {integer(day, 'iday') or 0:02}"


def perpetrator_line(name: str, claimed: bool | None, uncertain: bool | None, *, competing: bool = False) -> str:
    """ "Perpetrator group: ISIL (claim of responsibility: yes)": the name, and the flags GTD sets that make the
    attribution a claim or a suspicion (`claimed`, `guncertain1`…), or a claim among competing ones (`compclaim`); a
    name without them GTD attributes itself."""
    labels = (
        ("claim of responsibility: yes", claimed),
        ("competing claims: yes", competing),
        ("attribution uncertain: yes", uncertain),
    )
    flags = [label for label, value in labels if value]
    return f"Perpetrator group: {name}" + (f" ({'; '.join(flags)})" if flags else "")


def _extended_line(extended: str, resolution: str) -> str:
    """ "Extended incident: yes (resolved: 1970-01-05)": GTD's mark for an incident of more than 24 hours, and its end."""
    if not flag(extended, "extended"):
        return ""
    resolved = _words(resolution)
    return "Extended incident: yes" + (f" (resolved: {resolved})" if resolved else "")


def compose_record_text(
    summary: str, attack_lines: list[str], perpetrators: tuple[Perpetrator, ...], first_name: str, competing: str = ""
) -> str:
    """The text of an event's source: GTD's summary, a blank line, then the incident's and the perpetrators' lines."""
    lines = [*attack_lines, *(perpetrator.quote for perpetrator in perpetrators)]
    if not perpetrators and _words(first_name).casefold() == UNKNOWN:
        lines.append("Perpetrator group: Unknown")
    if flag(competing, "compclaim") and not any(perpetrator.kind == AttributionKind.CLAIMED for perpetrator in perpetrators):
        lines.append("Competing claims of responsibility: yes")
    summary = summary.strip()
    return (f"{summary}\n\n" if summary else "") + "\n".join(lines)
