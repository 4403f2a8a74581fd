import json

from django.core.management.base import BaseCommand, CommandError

from intake.selectors import curation_gaps
from sources.models import Source


class Command(BaseCommand):
    help = (
        "For every stored source (drafts included), the groups its text names that no citation from it links yet: "
        "a citation links a group when it supports the group, one of its aliases, relationships, designations or "
        "attributions, or an attack attributed to it. Names shared by several groups are left out."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", metavar="SLUG", action="append", default=[], help="Only this source (may be repeated).")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="text (the default) or json.")

    def handle(self, *args, source: list[str], format: str, **options):
        sources = Source.objects.order_by("id")
        if source:
            missing = sorted(set(source) - set(Source.objects.filter(slug__in=source).values_list("slug", flat=True)))
            if missing:
                raise CommandError(f"No source has the slug(s): {', '.join(missing)}.")
            sources = sources.filter(slug__in=source)
        read, reports = 0, []
        for found in curation_gaps(sources):
            read += 1
            if not found.gaps:
                continue
            report = {
                "source": found.source.slug,
                "title": found.source.display_title,
                "groups": [
                    {
                        "slug": entry.group.slug,
                        "name": entry.group.name,
                        "count": len(entry.mentions),
                        "as_written": [n for n, _ in entry.spellings],
                    }
                    for entry in found.gaps
                ],
            }
            reports.append(report)
            if format == "text":
                self.stdout.write(f"{report['source']}  {report['title']}")
                for group in report["groups"]:
                    spellings = ", ".join(f"“{name}”" for name in group["as_written"])
                    self.stdout.write(f"  {group['slug']}  named {group['count']} time(s) as {spellings}")
        if format == "json":
            self.stdout.write(json.dumps(reports, ensure_ascii=False, indent=2))
        else:
            gaps = sum(len(report["groups"]) for report in reports)
            self.stdout.write(f"{read} source(s) read; {len(reports)} name group(s) that no citation from them links yet ({gaps} in all).")
