import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from intake.mentions import Detection, detect, known_names_index


class Command(BaseCommand):
    help = (
        "For each text file, the known groups it names (drafts included): slug, the name as written, and how often; "
        "then names shared by several groups, and names that look like a group's but match none."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="UTF-8 text files (articles).")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="text (the default) or json.")

    def handle(self, *args, files: list[Path], format: str, **options):
        index = known_names_index()
        reports, unreadable = [], []
        for path in files:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                unreadable.append(path)
                self.stderr.write(f"{path}: cannot read it: {_reason(error)}")
                reports.append({"file": str(path), "error": _reason(error)})
                continue
            found = detect(text, index)
            if format == "text":
                self.stdout.write(_as_text(path, found))
            reports.append({"file": str(path), **_as_data(found)})
        if format == "json":
            self.stdout.write(json.dumps(reports, ensure_ascii=False, indent=2))
        if unreadable:
            raise CommandError(f"{len(unreadable)} of {len(files)} file(s) could not be read: {', '.join(map(str, unreadable))}")


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start} is not valid UTF-8)"
    if isinstance(error, IsADirectoryError):
        return "it is a folder"
    return getattr(error, "strerror", None) or str(error)


def _as_data(found: Detection) -> dict:
    groups = sorted(found.groups, key=lambda entry: entry.group.slug)
    return {
        "groups": [
            {
                "slug": entry.group.slug,
                "name": entry.group.name,
                "count": len(entry.mentions),
                "as_written": [
                    {"name": name, "count": count} for name, count in sorted(entry.spellings, key=lambda s: (s[0].casefold(), s[0]))
                ],
            }
            for entry in groups
        ],
        "ambiguous": [
            {"name": shared.written, "count": len(shared.mentions), "candidates": sorted(group.slug for group in shared.candidates)}
            for shared in found.ambiguous
        ],
        "possible_names": [{"name": possible.name, "count": possible.count} for possible in found.possible_names],
    }


def _as_text(path: Path, found: Detection) -> str:
    data = _as_data(found)
    rows = [(group["slug"], written["name"], written["count"]) for group in data["groups"] for written in group["as_written"]]
    rows += [(f"ambiguous ({' or '.join(shared['candidates'])})", shared["name"], shared["count"]) for shared in data["ambiguous"]]
    rows += [("possible new name", possible["name"], possible["count"]) for possible in data["possible_names"]]
    lines = [f"{path}: {len(data['groups'])} known group(s) named"]
    width = [max((len(row[column]) for row in rows), default=0) for column in (0, 1)]
    lines += [f"  {first:<{width[0]}}  {second:<{width[1]}}  {count}" for first, second, count in rows]
    return "\n".join(lines)
