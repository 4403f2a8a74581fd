import sys
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from interop.models import Release
from interop.releases import ReleaseError, build_release, release_path
from interop.stix import stix_object_count


class Command(BaseCommand):
    help = (
        "Build a release of the published data set: the STIX 2.1 bundle, CSV and JSON Lines of every table, a manifest of "
        "counts and SHA-256 checksums and a changelog against the previous release, served at /releases/<version>/."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the release here, in place of Django's own --version (which prints Django's).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            required=True,
            help="Where the public site is served, e.g. https://kb.example.org: the release's permanent address and every "
            "STIX object's link start with it.",
        )
        parser.add_argument(
            "--version",
            dest="release_version",
            metavar="VERSION",
            help="The release's version (default: today's date, 2026.12.02, or 2026.12.02.2 for a second release that day).",
        )
        parser.add_argument("--if-none", action="store_true", help="Build only when no release exists yet (for make run).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (one is shown only when stderr is a terminal).")

    def handle(self, *args, base_url: str, release_version: str | None, if_none: bool, no_progress: bool, **options):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query or parts.fragment:
            raise CommandError(f"--base-url must be the site's address such as https://kb.example.org, not {base_url!r}.")
        if if_none and (latest := Release.objects.order_by("-built_at").first()) is not None:
            self.stdout.write(f"Release {latest.version} exists; none built.")
            return

        def progress(objects):
            disable = True if no_progress else None  # None: shown only on a terminal
            return tqdm(objects, total=stix_object_count(), unit=" objects", file=sys.stderr, disable=disable)

        try:
            release = build_release(base_url=base_url.rstrip("/"), version=release_version, progress=progress)
        except ReleaseError as error:
            raise CommandError(str(error)) from error
        manifest = release.manifest
        tables = ", ".join(f"{count} {name}" for name, count in manifest["counts"]["tables"].items())
        changes = manifest["changes"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Release {release.version} in {release_path(release.version)}: {sum(manifest['counts']['stix'].values())} STIX objects "
                f"({sum(changes['added'].values())} added, {sum(changes['changed'].values())} changed, "
                f"{sum(changes['revoked'].values())} revoked), {tables}; {manifest['size']} bytes."
            )
        )
