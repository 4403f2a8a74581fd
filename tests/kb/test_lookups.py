"""Query conditions and planner settings the apps share (`kb.lookups`)."""

import pytest
from django.db import DatabaseError, connection

from groups.models import Attack
from kb.lookups import any_of, joined_as_written, written_once_for_ids
from tests.factories import AttackFactory

pytestmark = pytest.mark.django_db


def join_collapse_limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        return cursor.fetchone()[0]


def test_joins_are_taken_as_written_inside_only_and_even_after_an_error():
    default = join_collapse_limit()
    assert default != "1"
    with joined_as_written(connection.alias):
        assert join_collapse_limit() == "1"
    assert join_collapse_limit() == default
    with pytest.raises(DatabaseError), joined_as_written(connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
    assert join_collapse_limit() == default


def test_any_of_a_list_of_ids_is_one_array_parameter():
    kept, other = AttackFactory(), AttackFactory()
    queryset = Attack.objects.filter(any_of("pk", [kept.pk, kept.pk + other.pk + 1]))
    sql, params = queryset.query.sql_with_params()
    assert list(queryset) == [kept] and '"groups_attack"."id" = ANY(%s::bigint[])' in sql and [kept.pk, kept.pk + other.pk + 1] in params


def test_a_statement_written_once_is_run_with_the_ids_given_each_time():
    first, second, third = AttackFactory(), AttackFactory(), AttackFactory()
    built = []

    def build(ids):
        built.append(ids)
        return Attack.objects.filter(any_of("pk", ids), publication_status="published").order_by("pk").values_list("pk")

    statement = written_once_for_ids(build)
    with connection.cursor() as cursor:
        read = []
        for ids in ([first.pk, third.pk], [second.pk], []):
            cursor.execute(*statement(ids))
            read.append([pk for (pk,) in cursor.fetchall()])
    assert read == [[first.pk, third.pk], [second.pk], []]
    assert len(built) == 1  # the ORM wrote it once; the other parameters kept
    assert statement([first.pk])[1] == [[first.pk], "published"]


@pytest.mark.parametrize("names_ids", [0, 2])
def test_a_statement_written_once_must_name_its_ids_once(names_ids):
    def build(ids):
        queryset = Attack.objects.all()
        for _ in range(names_ids):
            queryset = queryset.filter(any_of("pk", ids))
        return queryset

    with pytest.raises(ValueError, match=f"names its ids {names_ids} times"):
        written_once_for_ids(build)([1])
