import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from groups import gtd, services


class Command(BaseCommand):
    help = (
        "Import attacks from a CSV in the Global Terrorism Database's column layout. Each batch is its own transaction, and a "
        "second run of the same file updates what changed and adds nothing twice. The mapping is in groups/gtd.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (GTD's columns: eventid, iyear, imonth, iday, country_txt, …).")
        parser.add_argument("--user", required=True, metavar="USERNAME", help="The account the history records for every change.")
        parser.add_argument("--reason", required=True, help="Why, as kept in the history, e.g. “GTD 2021 release”.")
        parser.add_argument("--dry-run", action="store_true", help="Read and check everything and report what would change; write nothing.")
        parser.add_argument(
            "--create-unknown-groups",
            action="store_true",
            help="Create a draft group (with its GTD name set, for review) for each perpetrator name that matches no group.",
        )
        parser.add_argument("--batch-size", type=int, default=5000, help="Rows per transaction (default 5000).")
        parser.add_argument("--encoding", default="utf-8", help="The file's encoding (default utf-8; GTD files are often latin-1).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (one is shown only when stderr is a terminal).")

    def handle(self, *args, file: str, user: str, reason: str, dry_run: bool, create_unknown_groups: bool, batch_size: int, **options):
        started = time.monotonic()
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1, not {batch_size}.")
        if not reason.strip():
            raise CommandError("--reason must say why; it is kept in the history of every record the import writes.")
        try:
            account = get_user_model().objects.get_by_natural_key(user)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"No user named {user!r}; the history records who made each change.") from error
        try:
            total = gtd.count_rows(path, encoding=options["encoding"])  # finds decoding and header problems before any write
        except (gtd.GtdFileError, OSError) as error:
            raise CommandError(str(error)) from error

        matcher = gtd.GroupMatcher.from_database()
        report = gtd.GtdImportReport()
        batch: list[gtd.GtdAttack] = []
        rows_in_batch = 0
        progress = tqdm(total=total, unit=" rows", file=sys.stderr, disable=True if options["no_progress"] else None)

        def write_batch() -> None:
            nonlocal batch, rows_in_batch
            if batch:
                try:
                    report.merge(
                        services.attacks_bulk_import(
                            attacks=batch,
                            matcher=matcher,
                            user=account,
                            reason=reason,
                            create_unknown_groups=create_unknown_groups,
                            dry_run=dry_run,
                        )
                    )
                except (DatabaseError, ValidationError) as error:
                    raise CommandError(
                        f"The batch from line {batch[0].line} to line {batch[-1].line} failed and was rolled back: {error}\n"
                        f"{self._committed(report, dry_run)} Run the import again once the cause is fixed; it picks up where it stopped."
                    ) from error
            progress.update(rows_in_batch)
            batch, rows_in_batch = [], 0

        try:
            with progress:
                for parsed in gtd.parse_rows(gtd.read_rows(path, encoding=options["encoding"])):
                    report.rows_read += 1
                    rows_in_batch += 1
                    if isinstance(parsed, gtd.RowProblem):
                        report.errors.append(parsed)
                    else:
                        batch.append(parsed)
                    if rows_in_batch >= batch_size:
                        write_batch()
                write_batch()
        except KeyboardInterrupt:
            raise CommandError(f"Interrupted; the batch in progress was rolled back. {self._committed(report, dry_run)}") from None
        except gtd.GtdFileError as error:  # the file changed since it was counted
            raise CommandError(f"{error} {self._committed(report, dry_run)}") from error

        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        for line in report.summary_lines(dry_run=dry_run, seconds=time.monotonic() - started):
            self.stdout.write(line)

    @staticmethod
    def _committed(report: gtd.GtdImportReport, dry_run: bool) -> str:
        if dry_run:
            return "Dry run: nothing was written."
        return (
            f"Committed before it: {report.created:,} attacks created, {report.updated:,} updated, "
            f"{report.attributions_created:,} attributions created."
        )
