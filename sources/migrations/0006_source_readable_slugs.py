"""Sources addressed by their titles: the 16-hex-digit slugs (`4066d30c1cf974a5`) become the title's words
(`islamic-state-expanding-footprint-in-pakistan`, `sources.slugs`), and each old slug stays among the source's
earlier addresses, which redirect to the new one. Other slugs (GTD's `gtd-…`, ones an editor wrote) stay.

A few statements a batch, whatever the number of sources: the new slugs are chosen in Python against the set of
every address in use, then each batch is one UPDATE from arrays and one INSERT of history rows ("~", no user, the
reason below), as `kb.services.bulk` writes them. `updated_at` moves on, so a client syncing by it hears of the
new address, and so does the cached site (`kb_data_version`).
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models
from django.db.models.functions import Left
from django.utils import timezone

HEX_SLUG = r"^[0-9a-f]{16}$"
REASON = "Addressed by its title: the old address redirects here"
BATCH = 5000
OPENING = 500  # characters of the text read for a source without title, outlet or date


def readable_source_slugs(apps, schema_editor):
    from sources.slugs import first_free, slug_base, slug_candidates, slug_number

    source, history = apps.get_model("sources", "Source"), apps.get_model("sources", "HistoricalSource")
    taken = set(source.objects.values_list("slug", flat=True))
    for earlier in source.objects.exclude(previous_slugs=[]).values_list("previous_slugs", flat=True):
        taken.update(earlier)
    rows = (
        source.objects.filter(slug__regex=HEX_SLUG)
        .annotate(opening=Left("text", OPENING))
        .order_by("id")
        .values_list("id", "title", "outlet", "published", "opening")
    )
    history_columns = {field.column for field in history._meta.concrete_fields}
    columns = [field.column for field in source._meta.concrete_fields if field.column in history_columns]
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    batch_ids, batch_slugs = [], []
    moment = timezone.now()

    def write():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(source._meta.db_table)} AS record "
                "SET previous_slugs = record.previous_slugs || record.slug, slug = new.slug, updated_at = %s "
                "FROM unnest(%s::bigint[], %s::text[]) AS new (id, slug) WHERE record.id = new.id",
                [moment, batch_ids, batch_slugs],
            )
            listed = ", ".join(map(quote, columns))
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({listed}, history_date, history_change_reason, history_type, "
                f"history_user_id) SELECT {listed}, %s, %s, '~', NULL FROM {quote(source._meta.db_table)} "
                "WHERE id = ANY(%s) ORDER BY id",
                [moment, REASON, batch_ids],
            )
        batch_ids.clear()
        batch_slugs.clear()

    numbered = {}  # base → the number after the last one given, so that many sources named alike are not quadratic
    for record_id, title, outlet, published, opening in rows.iterator(chunk_size=BATCH):
        fields = {"title": title, "outlet": outlet, "published": published, "text": opening}
        base = slug_base(**fields)
        slug = first_free(slug_candidates(**fields, from_number=numbered.get(base, 2)), taken.intersection)
        if (number := slug_number(base, slug)) is not None:
            numbered[base] = number + 1
        taken.add(slug)
        batch_ids.append(record_id)
        batch_slugs.append(slug)
        if len(batch_ids) == BATCH:
            write()
    if batch_ids:
        write()
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('kb_data_version')")


class Migration(migrations.Migration):

    dependencies = [
        ('kb', '0003_data_version_sequence'),
        ('sources', '0005_import_write_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalsource',
            name='previous_slugs',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.SlugField(max_length=200), blank=True, default=list, editable=False, help_text='Addresses the source had before: they redirect to the current one, and no other source may take them.', size=None, verbose_name='earlier addresses'),
        ),
        migrations.AddField(
            model_name='source',
            name='previous_slugs',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.SlugField(max_length=200), blank=True, default=list, editable=False, help_text='Addresses the source had before: they redirect to the current one, and no other source may take them.', size=None, verbose_name='earlier addresses'),
        ),
        migrations.AlterField(
            model_name='historicalsource',
            name='slug',
            field=models.SlugField(help_text="Its address on the site and in the API, made from its title; an earlier one redirects to it.", max_length=200),
        ),
        migrations.AlterField(
            model_name='source',
            name='slug',
            field=models.SlugField(help_text="Its address on the site and in the API, made from its title; an earlier one redirects to it.", max_length=200, unique=True),
        ),
        migrations.AddIndex(
            model_name='source',
            index=django.contrib.postgres.indexes.GinIndex(fields=['previous_slugs'], name='source_previous_slugs'),
        ),
        migrations.RunPython(readable_source_slugs, migrations.RunPython.noop, elidable=True),
    ]
