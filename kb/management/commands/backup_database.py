from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from kb.operations.backups import backup_database, default_backup_path, describe, server_major_version


class Command(BaseCommand):
    help = "Write the whole database as a pg_dump archive (custom format), for restore_database."

    def add_arguments(self, parser):
        parser.add_argument("--output", metavar="FILE", type=Path, help="Archive to write (default: backups/kb-<UTC timestamp>.dump).")

    def handle(self, *args, output: Path | None, **options):
        output = output or default_backup_path(settings.BASE_DIR)
        server_major = server_major_version(connection)
        backup_database(connection.settings_dict, server_major, output)
        size = output.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {describe(connection.settings_dict)} (PostgreSQL {server_major}) to {output} ({size:,} bytes).")
        )
