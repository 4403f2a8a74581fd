"""Query conditions the apps share, where the ORM's own spelling leads PostgreSQL to a poor plan, and statements
whose SQL the ORM is slower to write than PostgreSQL to run."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connections, transaction
from django.db.models import BigIntegerField, F, Lookup, QuerySet, Value


class _AnyOf(Lookup):
    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def any_of(field: str, values: QuerySet | list[int]) -> _AnyOf:
    """`field = ANY(ARRAY(values))`, for `.filter()`, rather than `field IN (values)` or an EXISTS: the rows whose
    `field` is among the values of one column (`values("attack_id")`), looked up in `field`'s index.

    For a group named in thousands of attacks, PostgreSQL turns IN into a join and, once it knows how many, hashes
    them against a scan of every attack (90 ms at GTD scale); with EXISTS, a page of attacks newest first walks the
    attacks by date until it finds enough of the group's, all 230,000 for a group whose attacks are old (250 ms). The
    array's ids are looked up in the index in order: 6 ms for 10,000.

    Given ids rather than a queryset: `field = ANY(%s)`, one array parameter, rather than `IN` and one a value. The
    statement reads the same whatever the ids, so the driver converts it once (a page of 100 attacks' attributions:
    0.25 ms a request)."""
    if isinstance(values, QuerySet):
        return _AnyOf(F(field), ArraySubquery(values.order_by()))
    return _AnyOf(F(field), Value(list(values), output_field=ArrayField(BigIntegerField())))


@contextlib.contextmanager
def joined_as_written(using: str):
    """`with joined_as_written(queryset.db): ...`: the queries inside join their tables in the order the ORM writes
    them (`join_collapse_limit` 1, in a transaction of their own), rather than PostgreSQL weighing every order.

    For a read whose joins only look up what each row points to, in a chain from the table it reads: a page of public
    citations joins the twenty tables of the facts a citation may support (`Citation.public_q`), whose orders
    PostgreSQL took 50 ms to weigh, for a plan of 1 ms that starts from the citations, as written."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('join_collapse_limit'), set_config('join_collapse_limit', '1', true)")
            before = cursor.fetchone()[0]
        yield
        # Put back before leaving: inside an outer transaction, this one is a savepoint, which a setting outlives. On
        # an error, rolling it back puts the setting back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('join_collapse_limit', %s, true)", [before])


# Stands for the ids a statement written once (`written_once_for_ids`) is run with: a value no key takes.
_IDS = [-(2**63)]


def written_once_for_ids(build: Callable[[list[int]], QuerySet]) -> Callable[[list[int]], tuple[str, list]]:
    """`statement = written_once_for_ids(lambda ids: queryset.filter(any_of("attack_id", ids)))`, then
    `cursor.execute(*statement(ids))`: the SQL the ORM writes for `build(ids)`, written on the first call and kept, its
    array of ids replaced on each. For a query run for every page, whose SQL the ORM takes longer to write than
    PostgreSQL to run (a page of 100 attacks' attributions: 0.7 ms to write, 0.3 ms to run). `build` must put the ids
    in its query once, as `any_of` does (one array parameter); its rows are read as the database gives them, without
    the fields' conversions, so for columns that need none."""

    @functools.cache
    def written() -> tuple[str, list, int]:
        sql, params = build(_IDS).query.sql_with_params()
        at = [index for index, param in enumerate(params) if param == _IDS]
        if len(at) != 1:
            raise ValueError(f"The query names its ids {len(at)} times, not once as one array parameter (any_of).")
        return sql, list(params), at[0]

    def statement(ids: list[int]) -> tuple[str, list]:
        sql, params, at = written()
        return sql, [*params[:at], list(ids), *params[at + 1 :]]

    return statement
