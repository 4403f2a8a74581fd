from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

# Every name's search key is added as the name is written, however it is written (the GTD importer's bulk inserts,
# COPY, a queryset update): an AFTER trigger on both tables of names.
KEEP_KEYS = """
CREATE FUNCTION groups_keep_search_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO groups_searchkey (key) VALUES (NEW.normalized_name) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER group_search_key AFTER INSERT OR UPDATE OF normalized_name ON groups_group
    FOR EACH ROW EXECUTE FUNCTION groups_keep_search_key();
CREATE TRIGGER alias_search_key AFTER INSERT OR UPDATE OF normalized_name ON groups_alias
    FOR EACH ROW EXECUTE FUNCTION groups_keep_search_key();
INSERT INTO groups_searchkey (key)
    SELECT normalized_name FROM groups_group UNION SELECT normalized_name FROM groups_alias
    ON CONFLICT DO NOTHING;
"""

FORGET_KEYS = """
DROP TRIGGER alias_search_key ON groups_alias;
DROP TRIGGER group_search_key ON groups_group;
DROP FUNCTION groups_keep_search_key();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0019_updated_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchKey",
            fields=[("key", models.CharField(max_length=200, primary_key=True, serialize=False))],
            options={"indexes": [GinIndex(fields=["key"], opclasses=["gin_trgm_ops"], name="search_key_trgm")]},
        ),
        migrations.RunSQL(KEEP_KEYS, FORGET_KEYS),
    ]
