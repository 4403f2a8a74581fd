from django.db import migrations


class Migration(migrations.Migration):
    """The version of each cache tag (kb/cache.py): a record (`groups.group:12`), a model's lists (`groups.group`),
    every record of a model (`groups.group:all`), or everything (`all`). Versions are drawn from `kb_data_version`, so
    they only ever grow, and a tag with no row is at version 0."""

    dependencies = [("kb", "0007_import_write_indexes")]

    operations = [
        migrations.RunSQL(
            "CREATE TABLE IF NOT EXISTS kb_cache_tag (tag text PRIMARY KEY, version bigint NOT NULL)",
            reverse_sql="DROP TABLE IF EXISTS kb_cache_tag",
        )
    ]
