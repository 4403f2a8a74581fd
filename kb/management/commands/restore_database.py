from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kb.cache import forget_everything_cached
from kb.operations.backups import client_program, describe, existing_relations, read_archive, restore_database, server_major_version


class Command(BaseCommand):
    help = (
        "Load an archive written by backup_database into an empty database (createdb a new one, or point "
        "EMBEDDED_POSTGRES_DIR at a new folder). --force replaces what the archive holds in a database that is not empty."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The archive (backups/kb-<timestamp>.dump).")
        parser.add_argument(
            "--force", action="store_true", help="Restore into a database that already has tables, dropping the archive's objects first."
        )

    def handle(self, *args, file: Path, force: bool, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}" if not file.exists() else f"{file} is not a file.")
        target = describe(connection.settings_dict)
        server_major = server_major_version(connection)
        pg_restore = client_program("pg_restore", server_major)
        archive = read_archive(file, pg_restore)
        found = existing_relations(connection)
        if found and not force:
            counts = ", ".join(f"{len(names)} {kind}" for kind, names in found.items())
            names = [name for kind_names in found.values() for name in kind_names]
            shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
            raise CommandError(
                f"Nothing was restored: {target} is not empty. It holds {counts} ({shown}). "
                "Restore into a new, empty database, or add --force to drop and replace what the archive holds."
            )
        connection.close()  # pg_restore works on its own connection; ours must not hold anything open meanwhile
        restore_database(connection.settings_dict, pg_restore, archive, replace=force)
        forget_everything_cached()  # the restored versions may be older than what the cache holds
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {file} (database '{archive.database}', PostgreSQL {archive.dumped_from}, made {archive.created}) into {target}."
            )
        )
