"""Pending publications written by an import's COPY held `values` as the JSON string "{}": make them the empty object
that the rest of the queue reads and merges."""

from django.db import migrations

FIX = """UPDATE kb_pendingchange SET "values" = '{}'::jsonb WHERE jsonb_typeof("values") = 'string' AND "values" #>> '{}' = '{}'"""


class Migration(migrations.Migration):
    dependencies = [("kb", "0005_review_queue")]

    operations = [migrations.RunSQL(FIX, migrations.RunSQL.noop)]
