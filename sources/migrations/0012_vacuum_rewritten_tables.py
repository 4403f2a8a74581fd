from django.db import migrations


class Migration(migrations.Migration):
    # The tables that migration 0011 rewrote have no visibility map yet, and a rewrite gives autovacuum nothing to
    # count, so it may not come for a long time: meanwhile every index-only scan reads the table too (at GTD scale, the
    # lists of attacks and sources took 1.6 to 3 times as long). VACUUM cannot run inside a transaction. ANALYZE gives
    # the planner the new column's words, which it would otherwise guess.
    atomic = False

    dependencies = [
        ("sources", "0011_stored_search_documents"),
    ]

    operations = [
        migrations.RunSQL("VACUUM (ANALYZE) sources_citation", migrations.RunSQL.noop),
        migrations.RunSQL("VACUUM (ANALYZE) sources_source", migrations.RunSQL.noop),
    ]
