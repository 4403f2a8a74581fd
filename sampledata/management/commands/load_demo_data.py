from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sampledata.demo_data import DEMO_DATA_FILE, IMPORT_REASON, DemoDataError, load_demo_data


class Command(BaseCommand):
    help = "Load the curated demo data set (sources, groups, aliases, affiliations, attacks, citations). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEMO_DATA_FILE, help="YAML file to load (default: data/demo.yaml).")
        parser.add_argument("--user", help="Username the changes are recorded under (default: the 'importer' account).")
        parser.add_argument("--reason", default=IMPORT_REASON, help="Change reason kept in history.")

    def handle(self, *args, file: Path, user: str | None, reason: str, **options):
        account = None
        if user:
            try:
                account = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist as error:
                raise CommandError(f"No user named '{user}'.") from error
        try:
            report = load_demo_data(path=file, user=account, reason=reason)
        except DemoDataError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Demo data: {report.summary()}"))
