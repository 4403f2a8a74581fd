import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http.request import split_domain_port, validate_host
from tqdm import tqdm

from groups.models import Group
from kb.prebuilt import enabled, rebuild


class Command(BaseCommand):
    help = (
        "Build the prebuilt profile (kb.prebuilt) of every public group that has none valid, for the site's address: "
        "after a deploy or a migration, so that readers do not each build one."
    )

    def add_arguments(self, parser):
        parser.add_argument("origin", help="The site's scheme and host as readers reach it, e.g. https://kb.example.org")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (one is shown only when stderr is a terminal).")

    def handle(self, *args, origin: str, no_progress: bool, **options):
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/") or parts.query:
            raise CommandError(f"The origin is a scheme and a host, such as https://kb.example.org; got {origin!r}.")
        if not validate_host(split_domain_port(parts.netloc)[0], settings.ALLOWED_HOSTS):
            raise CommandError(f"{parts.netloc} is not in ALLOWED_HOSTS: readers could not ask for it.")
        if not enabled():
            raise CommandError("Prebuilt pages are off (PREBUILT_PAGES, or CACHE_INVALIDATION = 'global').")
        base = f"{parts.scheme}://{parts.netloc}"
        slugs = list(Group.objects.public().order_by("slug").values_list("slug", flat=True))
        failed = []
        for slug in tqdm(slugs, unit="profile", disable=no_progress or not sys.stderr.isatty()):
            if rebuild(f"{base}/groups/{slug}/") != 200:
                failed.append(slug)
        self.stdout.write(f"{len(slugs) - len(failed)} of {len(slugs)} profiles prebuilt for {base}.")
        if failed:
            raise CommandError(f"Could not build {len(failed)} profile(s), logged: {', '.join(failed[:10])}")
