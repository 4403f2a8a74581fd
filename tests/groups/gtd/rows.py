"""GTD rows and files for the tests: one full row to vary, a CSV in GTD's column layout, the command run on it."""

import csv
import io

from django.core.management import call_command

from groups import gtd

HEADER = [
    "eventid", "iyear", "imonth", "iday", "approxdate", "country_txt", "provstate", "city", "latitude", "longitude",
    "suicide", "attacktype1_txt", "targtype1_txt", "gname", "gname2", "gname3", "claimed", "guncertain1",
    "claim2", "guncertain2", "claim3", "guncertain3", "compclaim", "extended", "resolution",
    "weaptype1_txt", "nkill", "nwound", "summary", "scite1", "scite2", "scite3",
]  # fmt: skip
BASE_ROW = {
    "eventid": "201610240001",
    "iyear": "2016",
    "imonth": "10",
    "iday": "24",
    "country_txt": "Pakistan",
    "provstate": "Balochistan",
    "city": "Quetta",
    "latitude": "30.187222",
    "longitude": "66.995833",
    "suicide": "1",
    "attacktype1_txt": "Armed Assault",
    "targtype1_txt": "Police",
    "gname": "Lashkar-e-Jhangvi",
    "claimed": "0",
    "guncertain1": "0",
    "weaptype1_txt": "Firearms",
    "nkill": "61",
    "nwound": "120",
    "summary": "10/24/2016: Assailants attacked the Balochistan Police College.",
    "scite1": '"Quetta attack," Dawn, October 25, 2016.',
}


def gtd_row(**changes) -> dict[str, str]:
    return {**dict.fromkeys(HEADER, ""), **BASE_ROW, **changes}


def write_gtd_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.DictWriter(file, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def parsed(**changes) -> gtd.GtdAttack:
    return gtd.parse_row(gtd_row(**changes), line=2)


def import_gtd(path, **options) -> str:
    out = io.StringIO()
    options = {"user": "gtd-importer", "reason": "GTD 2016 release", "no_progress": True, **options}
    call_command("import_gtd", str(path), stdout=out, **options)
    return out.getvalue()
