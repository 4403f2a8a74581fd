"""Writes stamped with a chosen history moment, for tests of what the history tables say happened when."""

import datetime

FIRST_DAY = datetime.datetime(2026, 1, 1, 12, tzinfo=datetime.UTC)


def day(number: int) -> datetime.datetime:
    """Noon UTC on 1 January 2026 plus `number` days."""
    return FIRST_DAY + datetime.timedelta(days=number)


def create_on(number: int, factory, **values):
    """A record built by `factory` (give it its saved parents) whose first history row is dated `day(number)`."""
    record = factory.build(**values)
    record._history_date = day(number)
    record.save()
    return record


def change_on(number: int, record, **values):
    for name, value in values.items():
        setattr(record, name, value)
    record._history_date = day(number)
    record.save()
    return record


def delete_on(number: int, record) -> None:
    record._history_date = day(number)
    record.delete()
