from django.db import migrations

# An IMMUTABLE wrapper of unaccent() for the full-text expression indexes (see kb/search.py).
# Naming the dictionary and the schema keeps it right whatever the caller's search_path.
CREATE = """
CREATE OR REPLACE FUNCTION kb_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN public.unaccent('public.unaccent'::regdictionary, $1)
"""


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_data_version_sequence")]

    operations = [migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS kb_unaccent(text)")]
