"""Sources and citations as CSV: their columns, read by a release (`manage.py build_release`), which writes every public
table whole. A source's stored full text is never exported, as on the site and in the API."""

from __future__ import annotations

from kb.api.csv import Column, CsvExport
from kb.links import record_path

from .filtersets import CitationFilterSet, SourceFilterSet
from .models import CITATION_TARGETS, Citation
from .selectors import public_sources


def _cited_fact(citation: dict) -> tuple[str, int]:
    name = next(name for name in CITATION_TARGETS if citation[f"{name}_id"])
    return name, citation[f"{name}_id"]


SOURCES = CsvExport(
    records=lambda: public_sources().order_by("id"),
    rows=lambda sources: sources.values(
        "id",
        "slug",
        "title",
        "outlet",
        "authors",
        "published",
        "published_precision",
        "language",
        "url",
        "archive_url",
        "accessed",
        "reliability",
        "updated_at",
    ),  # fmt: skip
    filterset_class=SourceFilterSet,
    filename="sources.csv",
    columns=[
        Column("Id", lambda s: s["id"]),
        Column("Slug", lambda s: s["slug"]),
        Column("Title", lambda s: s["title"]),
        Column("Outlet", lambda s: s["outlet"]),
        Column("Authors", lambda s: "; ".join(s["authors"])),
        Column("Published", lambda s: s["published"]),
        Column("Published (precision)", lambda s: s["published_precision"]),
        Column("Language", lambda s: s["language"]),
        Column("URL", lambda s: s["url"]),
        Column("Archived copy", lambda s: s["archive_url"]),
        Column("Accessed", lambda s: s["accessed"]),
        Column("Reliability", lambda s: s["reliability"]),
        Column("Last updated", lambda s: s["updated_at"].isoformat()),
        Column("Page", lambda s: record_path("sources:source_detail", key=s["slug"])),
    ],
)

CITATIONS = CsvExport(
    records=lambda: Citation.objects.public().order_by("id"),
    rows=lambda citations: citations.values(
        "id", "source__slug", "quote", "locator", *(f"{name}_id" for name in CITATION_TARGETS), "field", "credibility", "updated_at"
    ),
    filterset_class=CitationFilterSet,
    filename="citations.csv",
    columns=[
        Column("Id", lambda c: c["id"]),
        Column("Source slug", lambda c: c["source__slug"]),
        Column("Quote", lambda c: c["quote"]),
        Column("Locator", lambda c: c["locator"]),
        Column("Fact type", lambda c: _cited_fact(c)[0]),
        Column("Fact id", lambda c: _cited_fact(c)[1]),
        Column("Supports", lambda c: c["field"]),
        Column("Credibility", lambda c: c["credibility"]),
        Column("Last updated", lambda c: c["updated_at"].isoformat()),
    ],
)
