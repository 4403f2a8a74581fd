"""Query conditions the apps share, where the ORM's own spelling leads PostgreSQL to a poor plan, and expressions
whose SQL the ORM is slow to write or whose values it is slow to read."""

from __future__ import annotations

import contextlib

import orjson
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import BigIntegerField, F, JSONField, Lookup, QuerySet, Value
from django.db.models.expressions import RawSQL


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


def written_once(model, **columns) -> dict[str, RawSQL]:
    """`columns`, expressions over `model`'s table (subqueries included), as the SQL the ORM writes for them, to keep
    and annotate queries of that table with: `queryset.values(**written_once(Attack, roles=...))`. For a long
    expression the ORM takes longer to write than PostgreSQL to run, the same in every request."""
    query = model._base_manager.values(**columns).query
    compiler = query.get_compiler(DEFAULT_DB_ALIAS)
    return {name: RawSQL(*compiler.compile(query.annotations[name]), output_field=columns[name].output_field) for name in columns}


class ParsedJSONField(JSONField):
    """The output field of an expression that builds JSON in the query (a row's parts), read by orjson: JSONField reads
    with `json.loads`, several times slower, which a page of 100 attacks paid once a row."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else orjson.loads(value)
