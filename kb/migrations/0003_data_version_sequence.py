from django.db import migrations


class Migration(migrations.Migration):
    """A counter every process can read in one cheap query: it moves on with every change to curated data,
    and cached public pages are keyed by it (kb/cache.py)."""

    dependencies = [("kb", "0002_editor_and_reviewer_groups")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS kb_data_version",
            reverse_sql="DROP SEQUENCE IF EXISTS kb_data_version",
        )
    ]
