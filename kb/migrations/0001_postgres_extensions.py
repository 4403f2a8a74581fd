from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Trigram matching and accent folding for name search."""

    initial = True
    dependencies = []
    operations = [TrigramExtension(), UnaccentExtension()]
