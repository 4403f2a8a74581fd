"""Query conditions and planner settings the apps share (`kb.lookups`)."""

import pytest
from django.db import DatabaseError, connection
from django.db.models.expressions import RawSQL

from groups.models import Attack
from kb.lookups import ParsedJSONField, any_of, joined_as_written
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


def test_json_built_by_a_query_is_read_as_json():
    attack = AttackFactory()
    sql = """jsonb_build_object('id', "groups_attack"."id", 'parts', jsonb_build_array('é', NULL, 1.5))"""
    values = Attack.objects.filter(pk=attack.pk).values_list(RawSQL(sql, [], output_field=ParsedJSONField()), flat=True)
    assert list(values) == [{"id": attack.pk, "parts": ["é", None, 1.5]}]
    assert ParsedJSONField().from_db_value(None, None, connection) is None
