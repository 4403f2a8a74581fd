"""Query conditions the apps share, where the ORM's own spelling leads PostgreSQL to a poor plan."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
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
