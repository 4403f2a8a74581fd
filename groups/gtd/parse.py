"""Reading a CSV in the Global Terrorism Database's column layout: one GTD row becomes one attack and its attributions.

The functions here parse and map; they write nothing (`groups.gtd.write.attacks_bulk_import` does, and
`groups.gtd.pipeline` drives both for `manage.py import_gtd`). The mapping:

- `eventid` → the attack's slug `gtd-<eventid>`, so importing a file again updates those attacks
  instead of adding new ones.
- `iyear`/`imonth`/`iday` → a partial date. GTD writes 0 for a month or day it does not know: day 0 gives
  a date known to the month, month 0 a date known to the year. No day is ever invented.
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
  GTD's mark for an attribution based on speculation or a dubious claim.
- `summary` → the attack's description, attributed: "GTD summary: …".
- A title is made from the attack type and place ("Bombing/explosion in Quetta, Pakistan"); GTD has none.

What the facts cite: each event is a source of its own, `gtd-<eventid>` ("Global Terrorism Database, event
<eventid>", GTD's incident page as its URL), whose text is the row's own words (`compose_record_text`): the summary,
then one line per value the import reads, as GTD writes it ("Date: 1970 05 00", "Killed: 0", "Perpetrator
group: Black Panthers (attribution uncertain: yes)"). The attack cites the lines of its date and place, each
attribution and each group the import creates the line of its perpetrator, with the flags that make the
attribution a claim or a suspicion.

Not imported: `scite1`..`scite3` (free-text references to GTD's sources, not articles we hold as
Source records, so they cannot be cited here), and every other GTD column: `extended` and `resolution`
(end dates; `approxdate` is only quoted in the record's text), the region, the second and third attack,
target and weapon types and the subtypes, target names and nationalities, perpetrator counts, hostages,
ransom, property damage, motive, `success`, the inclusion criteria and `dbsource`.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
READ_COLUMNS = (*REQUIRED_COLUMNS, "claim2", "guncertain2", "claim3", "guncertain3", "approxdate")
# The fields of an attack that GTD gives; an import compares and writes these and leaves the rest
# (publication status, end date, district) to the editors.
IMPORTED_FIELDS = (
    "title", "date", "date_precision", "locality", "province", "country", "latitude", "longitude",
    "attack_type", "target_type", "weapon_type", "suicide", "killed", "killed_qualifier",
    "wounded", "wounded_qualifier", "description",
)  # fmt: skip
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
    date = attempt(partial_date, record["iyear"], record["imonth"], record["iday"])
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
        "date": date[0],
        "date_precision": date[1],
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
    }
    attack_lines = incident_lines(record)
    text = compose_record_text(record["summary"], attack_lines, perpetrators, record["gname"])
    return GtdAttack(
        line=line,
        eventid=eventid,
        slug=f"{SLUG_PREFIX}{eventid}",
        values=values,
        perpetrators=perpetrators,
        record_text=text,
        record_text_hash=text_fingerprint(text),
        attack_quote="\n".join(attack_lines[:2]),  # "Date: …" and "Location: …"
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
        get("gname") or "", get("claimed") or "", get("guncertain1") or "",
        get("gname2") or "", get("claim2") or "", get("guncertain2") or "",
        get("gname3") or "", get("claim3") or "", get("guncertain3") or "",
    )  # fmt: skip


@lru_cache(maxsize=1 << 14)
def _perpetrators(*values: str) -> tuple[Perpetrator, ...]:
    found: dict[str, Perpetrator] = {}
    for number, (_, claim_column, uncertain_column) in enumerate(_PERPETRATOR_COLUMNS):
        name, claim, uncertain = values[3 * number : 3 * number + 3]
        name = " ".join(name.split())
        if not name or name.casefold() == UNKNOWN:
            continue
        claimed = flag(claim, claim_column)
        uncertain = flag(uncertain, uncertain_column)
        quote = perpetrator_line(name, claimed, uncertain)
        if claimed:
            perpetrator = Perpetrator(name, AttributionKind.CLAIMED, "", quote)
        elif uncertain:
            perpetrator = Perpetrator(name, AttributionKind.SUSPECTED, GTD_ATTRIBUTED_BY, quote)
        else:
            perpetrator = Perpetrator(name, AttributionKind.ATTRIBUTED, GTD_ATTRIBUTED_BY, quote)
        found.setdefault(name.casefold(), perpetrator)
    return tuple(found.values())


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


def perpetrator_line(name: str, claimed: bool | None, uncertain: bool | None) -> str:
    """ "Perpetrator group: ISIL (claim of responsibility: yes)": the name, and the flags GTD sets that make the
    attribution a claim or a suspicion (`claimed`, `guncertain1`…); a name without them GTD attributes itself."""
    flags = [label for label, value in (("claim of responsibility: yes", claimed), ("attribution uncertain: yes", uncertain)) if value]
    return f"Perpetrator group: {name}" + (f" ({'; '.join(flags)})" if flags else "")


def compose_record_text(summary: str, attack_lines: list[str], perpetrators: tuple[Perpetrator, ...], first_name: str) -> str:
    """The text of an event's source: GTD's summary, a blank line, then the incident's and the perpetrators' lines."""
    lines = [*attack_lines, *(perpetrator.quote for perpetrator in perpetrators)]
    if not perpetrators and _words(first_name).casefold() == UNKNOWN:
        lines.append("Perpetrator group: Unknown")
    summary = summary.strip()
    return (f"{summary}\n\n" if summary else "") + "\n".join(lines)
