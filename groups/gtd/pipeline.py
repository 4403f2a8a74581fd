"""A whole GTD file imported batch by batch: the file is checked before anything is written, read and parsed by a
thread of its own (`read_ahead`) while the database writes the batch before, each batch its own transaction, and
what the run creates one change set for a Reviewer. `manage.py import_gtd` is a thin wrapper over `gtd_file_import`."""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from tqdm import tqdm

from kb.models import ChangeSetKind
from kb.services import change_set_start

from .match import GroupMatcher, generic_labels_recorded
from .parse import GtdFileError, ParsedBatch, check_file, parse_batches, read_rows
from .report import GtdImportReport
from .write import attacks_bulk_import

DEFAULT_BATCH_SIZE = 5000


class GtdImportStopped(Exception):
    """The import did not start (the file cannot be read) or stopped part way; the message says why and, once writing
    began, what the batches before committed."""


def gtd_file_import(
    path: Path,
    *,
    user,
    reason: str,
    dry_run: bool = False,
    create_unknown_groups: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    encoding: str = "utf-8",
    progress_bar: bool = True,
):
    """Import the GTD CSV at `path`; returns the report and the run's change set (None in a dry run, or unsaved when
    the run wrote nothing). A progress bar goes to stderr when it is a terminal, unless `progress_bar` is false.

    Raises GtdImportStopped when the file cannot be read as a GTD file (before any write) or a batch fails; the
    batches before it stay committed, and a second run picks up where it stopped.
    """
    try:
        lines = check_file(path, encoding=encoding)  # finds decoding and header problems before any write
    except (GtdFileError, OSError) as error:
        raise GtdImportStopped(str(error)) from error

    title = f"GTD import of {path.name}"[:200]
    change_set = None if dry_run else change_set_start(user=user, title=title, kind=ChangeSetKind.IMPORT)
    if not dry_run:
        with transaction.atomic():
            generic_labels_recorded(user=user, reason=f"{reason} (GTD's generic perpetrator labels)", moment=timezone.now())
    matcher = GroupMatcher.from_database()
    report = GtdImportReport()
    progress = tqdm(total=lines, unit=" rows", file=sys.stderr, disable=None if progress_bar else True)

    def write_batch(batch: ParsedBatch) -> None:
        if batch.attacks:
            try:
                report.merge(
                    attacks_bulk_import(
                        attacks=batch.attacks,
                        matcher=matcher,
                        user=user,
                        reason=reason,
                        create_unknown_groups=create_unknown_groups,
                        dry_run=dry_run,
                        change_set=change_set,
                    )
                )
            except (DatabaseError, ValidationError) as error:
                first, last = batch.attacks[0].line, batch.attacks[-1].line
                raise GtdImportStopped(
                    f"The batch from line {first} to line {last} failed and was rolled back: {error}\n"
                    f"{_committed(report, dry_run)} Run the import again once the cause is fixed; it picks up where it stopped."
                ) from error
        progress.update(batch.rows)

    batches = parse_batches(read_rows(path, encoding=encoding), size=batch_size)
    try:
        _write_batches(batches, report, write_batch, progress, dry_run)
    finally:
        if change_set is not None and not change_set.changes.exists():
            change_set.delete()  # a run that wrote nothing leaves no empty change set
    return report, change_set


def _write_batches(batches, report: GtdImportReport, write_batch, progress, dry_run: bool) -> None:
    try:
        with progress, fewer_garbage_collections(), closing(read_ahead(batches)) as parsed_batches:
            for batch in parsed_batches:
                report.rows_read += batch.rows
                report.errors += batch.problems
                write_batch(batch)
            progress.total = report.rows_read  # the lines counted: rows, empty ones and line breaks inside quoted fields
    except KeyboardInterrupt:
        raise GtdImportStopped(f"Interrupted; the batch in progress was rolled back. {_committed(report, dry_run)}") from None
    except GtdFileError as error:  # the file changed since it was checked
        raise GtdImportStopped(f"{error} {_committed(report, dry_run)}") from error


def _committed(report: GtdImportReport, dry_run: bool) -> str:
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
