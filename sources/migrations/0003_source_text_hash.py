from django.db import migrations, models


def fingerprint_stored_texts(apps, schema_editor):
    from sources.text import text_fingerprint

    for model_name in ("Source", "HistoricalSource"):
        model = apps.get_model("sources", model_name)
        batch = []
        for row in model.objects.only(model._meta.pk.name, "text").order_by(model._meta.pk.name).iterator(chunk_size=2000):
            row.text_hash = text_fingerprint(row.text)
            batch.append(row)
            if len(batch) == 2000:
                model.objects.bulk_update(batch, ["text_hash"])
                batch = []
        model.objects.bulk_update(batch, ["text_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ('sources', '0002_search_documents'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalsource',
            name='text_hash',
            field=models.CharField(db_index=True, default='', editable=False, help_text='SHA-256 of the text with whitespace and quote marks folded: finds the same article recorded twice.', max_length=64, verbose_name='text fingerprint'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='source',
            name='text_hash',
            field=models.CharField(db_index=True, default='', editable=False, help_text='SHA-256 of the text with whitespace and quote marks folded: finds the same article recorded twice.', max_length=64, verbose_name='text fingerprint'),
            preserve_default=False,
        ),
        migrations.RunPython(fingerprint_stored_texts, migrations.RunPython.noop, elidable=True),
    ]
