"""Indexes on the deletions in the history of each part of a profile, which a group's "last updated" reads (the
newest deletion of one of its parts, and the newest deletions of all for the home page's recently updated groups).
Partial indexes of the history tables, which the models do not declare, so written here as SQL."""

from django.db import migrations

PARTS = [  # (history table, the column that links a row to the group whose profile shows it)
    ("groups_historicalalias", "group_id"),
    ("groups_historicaldesignation", "group_id"),
    ("groups_historicalaffiliation", "from_group_id"),
    ("groups_historicalaffiliation", "to_group_id"),
    ("groups_historicalattribution", "group_id"),
    ("groups_historicalgrouprole", "group_id"),
    ("groups_historicalsizeestimate", "group_id"),
    ("groups_historicalgroupsection", "group_id"),
]


def _indexes():
    for table, link in PARTS:
        name = f"{table.removeprefix('groups_historical')}_{link.removesuffix('_id')}"
        yield f"{name}_deleted_idx", f"{table} ({link}, history_date) WHERE history_type = '-'"
        yield f"{name}_deleted_at_idx", f"{table} (history_date, {link}) WHERE history_type = '-'"


class Migration(migrations.Migration):
    dependencies = [("groups", "0020_search_keys")]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON {definition}", f"DROP INDEX {name}") for name, definition in _indexes()
    ]
