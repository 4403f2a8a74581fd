import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError

from groups.gtd import DEFAULT_BATCH_SIZE, GtdImportStopped, gtd_file_import


class Command(BaseCommand):
    help = (
        "Import attacks from a CSV in the Global Terrorism Database's column layout. Each batch is its own transaction, and a "
        "second run of the same file updates what changed, removes the attributions a row no longer supports and adds nothing "
        "twice. The mapping is in groups/gtd/parse.py; which group a GTD name means, in admin › GTD perpetrator names."
    )
    # The models' checks only: the others load every URLconf and view, a second of start-up an import does not use.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (GTD's columns: eventid, iyear, imonth, iday, country_txt, …).")
        parser.add_argument("--user", required=True, metavar="USERNAME", help="The account the history records for every change.")
        parser.add_argument("--reason", required=True, help="Why, as kept in the history, e.g. “GTD 2021 release”.")
        parser.add_argument("--dry-run", action="store_true", help="Read and check everything and report what would change; write nothing.")
        parser.add_argument(
            "--create-unknown-groups",
            action="store_true",
            help="Create a draft group (with its GTD name set, for review) for each perpetrator name that matches no group and is "
            "not one of GTD's generic labels (admin › GTD perpetrator names).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help=f"Rows per transaction (default {DEFAULT_BATCH_SIZE})."
        )
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
            report, change_set = gtd_file_import(
                path,
                user=account,
                reason=reason,
                dry_run=dry_run,
                create_unknown_groups=create_unknown_groups,
                batch_size=batch_size,
                encoding=options["encoding"],
                progress_bar=not options["no_progress"],
            )
        except GtdImportStopped as error:
            raise CommandError(str(error)) from error

        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        elif change_set.pk is not None:
            waiting = change_set.changes.count()
            self.stdout.write(
                f"Awaiting review: {waiting:,} records in change set {change_set} (admin › Change sets); readers see them "
                "once a Reviewer approves."
            )
        for line in report.summary_lines(dry_run=dry_run, seconds=time.monotonic() - started):
            self.stdout.write(line)
