"""Running the database: the embedded PostgreSQL server and its settings (`database`), pg_dump backups and
restores (`backups`, behind `manage.py backup_database` and `restore_database`)."""
