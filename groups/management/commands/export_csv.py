import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from tqdm import tqdm

from groups.exports import CSV_EXPORTS
from kb.api.csv import CHUNK_SIZE, csv_rows
from kb.exports import write_in_place, write_to_stdout


class Command(BaseCommand):
    help = "Write a public list as CSV, filtered as the API filters it: the same columns as ?format=csv."

    def add_arguments(self, parser):
        parser.add_argument("list", choices=sorted(CSV_EXPORTS), help="Which list to export.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="An API filter, e.g. --filter country=PK --filter year=2016 (repeatable).",
        )
        parser.add_argument("--output", metavar="FILE", default="-", help="File to write, or - (the default) for standard output.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (one is shown only when stderr is a terminal).")

    def handle(self, *args, list: str, filter: list[str], output: str, no_progress: bool, **options):
        export = CSV_EXPORTS[list]
        data = QueryDict(mutable=True)
        for item in filter:
            name, separator, value = item.partition("=")
            if not separator or not name or not value:
                raise CommandError(f"--filter takes NAME=VALUE, e.g. country=PK; got {item!r}.")
            data.appendlist(name, value)
        filterset = export.filterset_class(data, queryset=export.records())
        unknown = sorted(set(data) - set(filterset.filters))
        if unknown:
            raise CommandError(f"Unknown filter(s) for {list}: {', '.join(unknown)}. Known: {', '.join(sorted(filterset.filters))}.")
        if not filterset.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
            raise CommandError(f"Invalid filter: {problems}")
        queryset = filterset.qs
        total = queryset.count()
        written = 0

        def counted(rows):
            nonlocal written
            for row in rows:
                written += 1
                yield row

        records = tqdm(
            counted(export.rows(queryset).iterator(chunk_size=CHUNK_SIZE)),
            total=total,
            unit=" rows",
            file=sys.stderr,
            disable=True if no_progress else None,  # None: shown only on a terminal
        )
        rows = csv_rows(records, export.columns)
        if output == "-":
            write_to_stdout(self.stdout, rows)
        else:
            write_in_place(Path(output), rows)
            self.stdout.write(self.style.SUCCESS(f"Wrote {written} {list} to {output}."))
