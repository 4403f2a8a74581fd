from django.db import migrations

# An IMMUTABLE wrapper of unaccent() for the full-text expression indexes (see kb/search.py).
# Naming the dictionary and the schema keeps it right whatever the caller's search_path.
# Its COST tells the planner what unaccenting and then parsing a text row by row costs: without it,
# a search for a common word walks 300,000 quotes in id order, parsing each, instead of using the index.
CREATE = """
CREATE OR REPLACE FUNCTION kb_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 10000
RETURN public.unaccent('public.unaccent'::regdictionary, $1)
"""


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_data_version_sequence")]

    operations = [migrations.RunSQL(CREATE, "DROP FUNCTION IF EXISTS kb_unaccent(text)")]
