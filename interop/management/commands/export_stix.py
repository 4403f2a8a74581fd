import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from groups.models import Group
from interop.stix import bundle_chunks, stix_bundle_id, stix_object_count, stix_objects
from kb.exports import write_in_place, write_to_stdout


class Command(BaseCommand):
    help = "Write the public data set, or one group's neighbourhood, as a STIX 2.1 bundle."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            required=True,
            help="Where the public site is served, e.g. https://kb.example.org; every object links back to its page there.",
        )
        parser.add_argument("--group", metavar="SLUG", help="Export only this group's neighbourhood.")
        parser.add_argument("--output", metavar="FILE", default="-", help="File to write, or - (the default) for standard output.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (one is shown only when stderr is a terminal).")

    def handle(self, *args, base_url: str, group: str | None, output: str, no_progress: bool, **options):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CommandError(f"--base-url must be an absolute http(s) URL such as https://kb.example.org, not {base_url!r}.")
        record = None
        if group:
            try:
                record = Group.objects.public().get(slug=group)
            except Group.DoesNotExist as error:
                raise CommandError(f"No published group has the slug {group!r}.") from error

        written = 0

        def counted(objects: Iterable) -> Iterable:
            nonlocal written
            for stix_object in objects:
                written += 1
                yield stix_object

        objects = tqdm(
            stix_objects(base_url=base_url, group=record),
            total=stix_object_count(group=record),
            unit=" objects",
            file=sys.stderr,
            disable=True if no_progress else None,  # None: shown only on a terminal
        )
        chunks = bundle_chunks(stix_bundle_id(record), counted(objects))
        if output == "-":
            write_to_stdout(self.stdout, chunks)
        else:
            write_in_place(Path(output), chunks)
            self.stdout.write(self.style.SUCCESS(f"Wrote {written} STIX objects to {output}."))
