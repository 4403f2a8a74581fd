import gc
import queue
import sys
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from groups import gtd, services
from kb.models import ChangeSetKind
from kb.services import change_set_start


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
            lines = gtd.check_file(path, encoding=options["encoding"])  # finds decoding and header problems before any write
        except (gtd.GtdFileError, OSError) as error:
            raise CommandError(str(error)) from error

        title = f"GTD import of {path.name}"[:200]
        change_set = None if dry_run else change_set_start(user=account, title=title, kind=ChangeSetKind.IMPORT)
        matcher = gtd.GroupMatcher.from_database()
        report = gtd.GtdImportReport()
        progress = tqdm(total=lines, unit=" rows", file=sys.stderr, disable=True if options["no_progress"] else None)

        def write_batch(batch: gtd.ParsedBatch) -> None:
            if batch.attacks:
                try:
                    report.merge(
                        services.attacks_bulk_import(
                            attacks=batch.attacks,
                            matcher=matcher,
                            user=account,
                            reason=reason,
                            create_unknown_groups=create_unknown_groups,
                            dry_run=dry_run,
                            change_set=change_set,
                        )
                    )
                except (DatabaseError, ValidationError) as error:
                    first, last = batch.attacks[0].line, batch.attacks[-1].line
                    raise CommandError(
                        f"The batch from line {first} to line {last} failed and was rolled back: {error}\n"
                        f"{self._committed(report, dry_run)} Run the import again once the cause is fixed; it picks up where it stopped."
                    ) from error
            progress.update(batch.rows)

        batches = gtd.parse_batches(gtd.read_rows(path, encoding=options["encoding"]), size=batch_size)
        try:
            self._import(batches, report, write_batch, progress, dry_run)
        finally:
            if change_set is not None and not change_set.changes.exists():
                change_set.delete()  # a run that wrote nothing leaves no empty change set

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

    def _import(self, batches, report: gtd.GtdImportReport, write_batch, progress, dry_run: bool) -> None:
        try:
            with progress, fewer_garbage_collections(), closing(read_ahead(batches)) as parsed_batches:
                for batch in parsed_batches:
                    report.rows_read += batch.rows
                    report.errors += batch.problems
                    write_batch(batch)
                progress.total = report.rows_read  # the lines counted: rows, empty ones and line breaks inside quoted fields
        except KeyboardInterrupt:
            raise CommandError(f"Interrupted; the batch in progress was rolled back. {self._committed(report, dry_run)}") from None
        except gtd.GtdFileError as error:  # the file changed since it was checked
            raise CommandError(f"{error} {self._committed(report, dry_run)}") from error

    @staticmethod
    def _committed(report: gtd.GtdImportReport, dry_run: bool) -> str:
        if dry_run:
            return "Dry run: nothing was written."
        return (
            f"Committed before it: {report.created:,} attacks created, {report.updated:,} updated, "
            f"{report.attributions_created:,} attributions created, {report.sources_created:,} GTD records cited."
        )


T = TypeVar("T")


def read_ahead(items: Iterable[T], *, depth: int = 2) -> Iterator[T]:
    """`items`, made by a thread of their own up to `depth` ahead of the caller.

    The file is read and parsed while the database writes the batch before: psycopg lets other threads run
    while it waits on the server, so the two take turns on the CPU instead of waiting for each other. The
    thread touches no database. Its exceptions come out here; closing this generator stops it.
    """
    made: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                made.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(done)
        except BaseException as error:  # handed to the caller, raised there
            put(error)
        finally:
            if isinstance(items, Generator):
                items.close()  # the file, when the caller stopped early

    threading.Thread(target=make, name="import-reader", daemon=True).start()
    try:
        while (item := made.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


@contextmanager
def fewer_garbage_collections():
    """Each batch makes some hundred thousand objects that live until the next one: with the default thresholds
    the collector runs through everything alive, Django included, again and again. Objects from before are
    set aside (`gc.freeze`) and the young generation is made larger for the run."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
