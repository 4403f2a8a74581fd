import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.http.request import split_domain_port, validate_host
from django.urls import reverse
from tqdm import tqdm

from groups.models import Group
from kb.api.urls import ROUTERS
from kb.prebuilt import enabled, rebuild


class Command(BaseCommand):
    help = (
        "Build the prebuilt pages (kb.prebuilt) that have none valid, for the site's address: every public group's "
        "profile and the first page of the API's lists of attacks and groups. After a deploy or a migration, so that "
        "readers do not each build one."
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
        slugs = Group.objects.public().order_by("slug").values_list("slug", flat=True)
        lists = [reverse(f"api:{name}") for router in ROUTERS for name in router.prebuilt_list_names()]
        paths = lists + [reverse("groups:group_detail", args=[slug]) for slug in slugs]
        failed = []
        for path in tqdm(paths, unit="page", disable=no_progress or not sys.stderr.isatty()):
            if rebuild(base + path) != 200:
                failed.append(path)
        built = f"{len(paths) - len(failed)} of {len(paths)} pages prebuilt for {base}"
        self.stdout.write(f"{built}: {len(paths) - len(lists)} profiles and the API's first page of {len(lists)} lists.")
        if failed:
            raise CommandError(f"Could not build {len(failed)} page(s), logged: {', '.join(failed[:10])}")
