"""A save's history row is dated by the moment the save wrote (`kb.history.dated_as_saved`)."""

import datetime

import pytest

from groups.models import Alias
from kb.history import history_rows
from tests.dated import change_on, day
from tests.factories import AliasFactory

pytestmark = pytest.mark.django_db


def _newest_row(record):
    return history_rows(type(record)).filter(id=record.pk).order_by("-history_id").first()


def test_a_saves_history_row_carries_its_updated_at():
    alias = AliasFactory(name="Daesh")
    assert _newest_row(alias).history_date == alias.updated_at
    alias.name = "Daish"
    alias.save()
    assert _newest_row(alias).history_date == alias.updated_at and _newest_row(alias).history_type == "~"


def test_a_chosen_moment_and_a_save_that_left_updated_at_out_keep_their_own():
    alias = change_on(3, AliasFactory(name="Daesh"), name="Daish")
    assert _newest_row(alias).history_date == day(3)
    del alias._history_date
    alias.name = "Da'ish"
    alias.updated_at -= datetime.timedelta(hours=1)  # as a save with update_fields leaves it: not written now
    alias.save(update_fields=["name"])
    row = _newest_row(alias)
    assert row.name == "Da'ish" and row.history_date - alias.updated_at > datetime.timedelta(minutes=59)


def test_a_deletion_keeps_the_moment_it_happened():
    alias = AliasFactory(name="Daesh")
    saved_at, pk = alias.updated_at, alias.pk
    alias.delete()
    deleted = history_rows(Alias).get(id=pk, history_type="-")
    assert deleted.history_date > saved_at
