"""Writing a planned synthetic data set: in batches, each row with its history row, user and reason.

Saving a million records one by one through `kb.services` would take hours, so rows go in through the importers'
bulk writer, `kb.services.records_bulk_create` (COPY, then each batch's history rows copied from the table). Nothing
is validated row by row: the plan is valid by construction (computed search keys, canonical URLs and text
fingerprints, verbatim quotes, unique names), and the database's constraints refuse anything that is not. The whole
set is written in one transaction, by an account in the Reviewer role, since most of what it writes is published.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

from django.apps import apps
from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.db.models import Model
from django.utils import timezone

from groups.models import Affiliation, Alias, Attack, Attribution, Group
from kb.accounts import system_account
from kb.cache import invalidate_models
from kb.models import CuratedModel
from kb.services import records_bulk_create
from sources.models import Citation, Source

from .plan import Plan, plan_dataset

GENERATOR_USERNAME = "generator"
BATCH_SIZE = 5_000
WRITE_ORDER = (Group, Alias, Affiliation, Attack, Attribution, Source, Citation)
# Which plan list each foreign key's position points into.
FOREIGN_KEYS: dict[type[Model], dict[str, type[Model]]] = {
    Alias: {"group": Group},
    Affiliation: {"from_group": Group, "to_group": Group},
    Attribution: {"attack": Attack, "group": Group},
    Citation: {"source": Source, "group": Group, "alias": Alias, "affiliation": Affiliation, "attack": Attack, "attribution": Attribution},
}


class GenerationRefused(Exception):
    """The database or the settings are not ones synthetic data may go into."""


@dataclass
class Report:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, model: type[Model], rows: int, seconds: float) -> None:
        name = model._meta.verbose_name_plural
        self.rows[name] = self.rows.get(name, 0) + rows
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


def check_can_generate() -> None:
    """Refuse production settings, and any database that already holds curated records."""
    if not settings.DEBUG:
        raise GenerationRefused("Synthetic data is for development and load tests only: it needs DEBUG on (the development settings).")
    filled = {model._meta.verbose_name_plural: model.objects.count() for model in _curated_models() if model.objects.exists()}
    if filled:
        found = ", ".join(f"{count} {name}" for name, count in filled.items())
        raise GenerationRefused(
            f"The database already holds curated records ({found}); synthetic data never goes in beside them. "
            "Use a fresh database: EMBEDDED_POSTGRES_DIR=.data/bench (a new embedded server) or DATABASE_URL pointing at an empty "
            "database, then `manage.py migrate` and run this command again with the same variable set."
        )


def _curated_models() -> list[type[Model]]:
    return [model for model in apps.get_models() if issubclass(model, CuratedModel)]


def generator_account():
    """The account synthetic rows are recorded under in history: a Reviewer, since it writes published records."""
    return system_account(GENERATOR_USERNAME, roles=("Reviewer",))


def generate_dataset(
    *, seed: int, scale: float, batch_size: int = BATCH_SIZE, progress: Callable[[str], None] = lambda message: None
) -> Report:
    """Plan and write a synthetic data set into an empty database; returns rows and seconds per model."""
    check_can_generate()
    report = Report()
    began = time.perf_counter()
    with _without_cycle_collection():
        plan = plan_dataset(seed=seed, scale=scale)
        report.seconds["planning"] = time.perf_counter() - began
        progress(f"Planned groups to attributions in {report.seconds['planning']:.1f} s.")
        user = generator_account()
        writer = _Writer(user=user, reason=f"Synthetic data set (seed {seed}, scale {scale:g}) for development and load tests",
                         batch_size=batch_size, report=report, progress=progress)  # fmt: skip
        with transaction.atomic():
            for model, rows in ((Group, plan.groups), (Alias, plan.aliases), (Affiliation, plan.affiliations),
                                (Attack, plan.attacks), (Attribution, plan.attributions)):  # fmt: skip
                writer.write(model, rows)
            writer.write_articles(plan)
            invalidate_models(*WRITE_ORDER)  # bulk writes send no save signals: cached and prebuilt pages must still go stale
    analyze_began = time.perf_counter()
    with connection.cursor() as cursor:  # fresh statistics, so that the first queries on the new rows get good plans
        for model in WRITE_ORDER:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model.history.model._meta.db_table)}")
    report.seconds["analyze"] = time.perf_counter() - analyze_began
    progress(f"Updated the planner's statistics in {report.seconds['analyze']:.1f} s.")
    report.seconds["total"] = time.perf_counter() - began
    return report


@contextmanager
def _without_cycle_collection():
    """The plan keeps a million small objects alive for the whole run, and Python's cycle collector would walk them all
    again and again (a quarter of the run time at full scale). Rows are freed by reference counting; what little else
    forms cycles is collected at the end."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


class _Writer:
    def __init__(self, *, user, reason: str, batch_size: int, report: Report, progress: Callable[[str], None]):
        self.user, self.reason, self.batch_size, self.report, self.progress = user, reason, batch_size, report, progress
        self.ids: dict[type[Model], list[int]] = {model: [] for model in WRITE_ORDER}

    def write(self, model: type[Model], rows: Iterable[dict]) -> None:
        began, count = time.perf_counter(), 0
        for batch in _batches(rows, self.batch_size):
            count += self._insert(model, batch)
        self._done(model, count, time.perf_counter() - began)

    def write_articles(self, plan: Plan) -> None:
        """Sources and their citations, a batch of sources at a time (a citation needs its source's id)."""
        timing = {Source: 0.0, Citation: 0.0}
        articles = plan.articles()
        while True:
            began = time.perf_counter()
            batch = list(islice(articles, self.batch_size))  # planning the articles counts towards the sources' time
            if not batch:
                break
            first_source = len(self.ids[Source])
            self._insert(Source, [source for source, _ in batch])
            timing[Source] += time.perf_counter() - began
            began = time.perf_counter()
            citations = [{**citation, "source": first_source + offset} for offset, (_, cited) in enumerate(batch) for citation in cited]
            for citation_batch in _batches(citations, self.batch_size):
                self._insert(Citation, citation_batch)
            timing[Citation] += time.perf_counter() - began
        for model, seconds in timing.items():
            self._done(model, len(self.ids[model]), seconds)

    def _insert(self, model: type[Model], rows: list[dict]) -> int:
        foreign_keys = FOREIGN_KEYS.get(model, {})
        names = list(dict.fromkeys(name for row in rows for name in row))  # a citation's row names only the fact it cites
        # The values as the database stores them (a list of countries becomes "AF,PK"), which the model's fields would
        # make on a save; a foreign key's plan position becomes the id written for it.
        prepare = [
            self._written_id(foreign_keys[name]) if name in foreign_keys else model._meta.get_field(name).get_prep_value for name in names
        ]
        values = [[convert(row.get(name)) for name, convert in zip(names, prepare, strict=True)] for row in rows]
        created = records_bulk_create(model=model, fields=names, rows=values, user=self.user, reason=self.reason, moment=timezone.now())
        self.ids[model].extend(created)
        reset_queries()  # with DEBUG on, Django would keep every statement (megabytes each) until the end
        return len(created)

    def _written_id(self, model: type[Model]) -> Callable[[int | None], int | None]:
        ids = self.ids[model]
        return lambda position: None if position is None else ids[position]

    def _done(self, model: type[Model], count: int, seconds: float) -> None:
        self.report.add(model, count, seconds)
        self.progress(f"{model._meta.verbose_name_plural:>12}: {count:>9,} rows and as many history rows in {seconds:6.1f} s")


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
