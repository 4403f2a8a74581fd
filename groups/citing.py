"""Citations of a group's profile a researcher takes away: the plain reference "Cite this page" shows
(templates/includes/cite.html), BibTeX, RIS and CSL-JSON, for the current version and for any as-of version; the
Highwire `citation_*` tags Zotero reads; and the profile as schema.org JSON-LD.

A citation always names a version: the profile as it stood at a moment, at its permanent as-of address
(`Group.version_url`), so what a reader cites is what a later reader finds. The current profile is cited as its
newest version, the next whole second after its last change. The access date is the day the citation is made (UTC).

BibTeX is written and checked by `bibtexparser`, RIS by `rispy`: neither format is assembled by hand.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass

import bibtexparser
import rispy
from bibtexparser import model as bibtex
from django.urls import reverse
from django.utils import timezone

from kb.dates import YEAR_LEVEL_PRECISIONS, DatePrecision, moment_key
from sources.models import Source

from .models import Group

PUBLISHER = "Militant groups knowledge base"
LANGUAGE = "en"
FORMATS = {  # the address's suffix: (media type, what it is)
    "bib": ("application/x-bibtex; charset=utf-8", "BibTeX"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "RIS"),
    "json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "CSL-JSON"),
}


def current_version(group: Group) -> datetime.datetime:
    """The moment whose as-of address shows the profile as it is now: the next whole second after its last change."""
    return group.last_updated.replace(microsecond=0) + datetime.timedelta(seconds=1)


@dataclass(frozen=True)
class ProfileCitation:
    """A version of a group's profile, as a work to cite."""

    group: Group
    version: datetime.datetime  # the moment the version shows
    base_url: str  # scheme and host, no trailing slash
    accessed: datetime.date
    as_of: bool = False  # cited from its as-of page (its files are the version's) rather than the current profile

    @classmethod
    def of(cls, group: Group, version: datetime.datetime, request, *, as_of: bool = False) -> ProfileCitation:
        base_url = request.build_absolute_uri("/").rstrip("/")
        return cls(group=group, version=version, base_url=base_url, accessed=timezone.now().date(), as_of=as_of)

    @property
    def title(self) -> str:
        return f"{self.group.name}: group profile"

    @property
    def url(self) -> str:
        return self.base_url + self.group.version_url(self.version)

    @property
    def current_url(self) -> str:
        return self.base_url + self.group.get_absolute_url()

    @property
    def key(self) -> str:
        return f"mgkb-{self.group.slug}-{self.version:%Y%m%d%H%M%S}"

    def downloads(self) -> list[tuple[str, str, str]]:
        """(label, media type, path) of each citation file, the version's on an as-of page."""
        return [(label, media_type.split(";")[0], self.download_path(suffix)) for suffix, (media_type, label) in FORMATS.items()]

    def download_path(self, suffix: str) -> str:
        if self.as_of:
            key = moment_key(self.version)
            return reverse("groups:group_revision_cite", kwargs={"slug": self.group.slug, "key": key, "suffix": suffix})
        return reverse("groups:group_cite", kwargs={"slug": self.group.slug, "suffix": suffix})

    def bibtex(self) -> str:
        fields = {
            "title": f"{{{self.title}}}",  # braces keep the capitals of the group's name
            "author": f"{{{PUBLISHER}}}",  # a body, not a person: one brace-protected name
            "organization": PUBLISHER,
            "year": f"{self.version:%Y}",
            "month": f"{self.version:%b}".lower(),
            "date": f"{self.version:%Y-%m-%d}",
            "url": self.url,
            "urldate": self.accessed.isoformat(),
            "note": f"Version of {self.version:%Y-%m-%d %H:%M:%S} UTC; current version at {self.current_url}",
            "language": "english",
        }
        library = bibtexparser.Library([bibtex.Entry("online", self.key, [bibtex.Field(name, value) for name, value in fields.items()])])
        return bibtexparser.write_string(library)

    def ris(self) -> str:
        reference = {
            "type_of_reference": "ELEC",
            "title": self.title,
            "authors": [PUBLISHER],
            "publisher": PUBLISHER,
            "year": f"{self.version:%Y}",
            "date": f"{self.version:%Y/%m/%d}",
            "access_date": f"{self.accessed:%Y/%m/%d}",
            "urls": [self.url],
            "notes": [f"Version of {self.version:%Y-%m-%d %H:%M:%S} UTC; current version at {self.current_url}"],
            "language": LANGUAGE,
            "id": self.key,
        }
        return rispy.dumps([reference], implementation=_RisWriter)

    def csl(self) -> list[dict]:
        """CSL-JSON: a list of one item, as citation processors (citeproc, Zotero, Pandoc) read it."""
        return [
            {
                "id": self.key,
                "type": "webpage",
                "title": self.title,
                "author": [{"literal": PUBLISHER}],
                "publisher": PUBLISHER,
                "container-title": PUBLISHER,
                "issued": {"date-parts": [[self.version.year, self.version.month, self.version.day]]},
                "accessed": {"date-parts": [[self.accessed.year, self.accessed.month, self.accessed.day]]},
                "URL": self.url,
                "note": f"Version of {self.version:%Y-%m-%d %H:%M:%S} UTC",
                "language": LANGUAGE,
            }
        ]

    def as_format(self, suffix: str) -> str:
        if suffix == "bib":
            return self.bibtex()
        if suffix == "ris":
            return self.ris()
        return json.dumps(self.csl(), indent=2, ensure_ascii=False) + "\n"

    def highwire(self) -> list[tuple[str, str]]:
        """The `citation_*` meta tags (Highwire Press), which Zotero and Google Scholar read from the page itself."""
        return [
            ("citation_title", self.title),
            ("citation_author", PUBLISHER),
            ("citation_publisher", PUBLISHER),
            ("citation_date", f"{self.version:%Y/%m/%d}"),
            ("citation_online_date", f"{self.version:%Y/%m/%d}"),
            ("citation_public_url", self.url),
            ("citation_language", LANGUAGE),
        ]


class _RisWriter(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # RIS has no numbering line between references


def json_ld(group: Group, *, page_url: str, aliases: Iterable[str], sources: Iterable[Source]) -> str:
    """The group as a schema.org `Organization`, for a `<script type="application/ld+json">` (data, never run):
    its names, founding and dissolution dates at their precision, and the articles it is cited from as `subjectOf`."""
    organization = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": page_url,
        "url": page_url,
        "name": group.name,
        "alternateName": list(dict.fromkeys(aliases)),
        "foundingDate": _iso_partial(group.founded, group.founded_precision),
        "dissolutionDate": _iso_partial(group.dissolved, group.dissolved_precision),
        "description": group.summary,
        "sameAs": [f"https://www.wikidata.org/wiki/{group.wikidata_id}"] if group.wikidata_id else [],
        "subjectOf": [_article(source) for source in sources],
    }
    kept = {name: value for name, value in organization.items() if value not in (None, "", [])}
    # As Django's json_script writes JSON into a page: no "<", ">" or "&" that HTML could read as markup.
    return json.dumps(kept, ensure_ascii=False, indent=1).translate(_JSON_IN_HTML)


_JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def _article(source: Source) -> dict:
    article = {"@type": "NewsArticle", "headline": source.title or source.outlet, "url": source.url or None}
    if source.outlet:
        article["publisher"] = {"@type": "Organization", "name": source.outlet}
    if source.published and source.published_precision != DatePrecision.UNKNOWN:
        article["datePublished"] = _iso_partial(source.published, source.published_precision)
    if source.authors:
        article["author"] = [{"@type": "Person", "name": name} for name in source.authors]
    if source.archive_url:
        article["archivedAt"] = source.archive_url
    return {name: value for name, value in article.items() if value}


def _iso_partial(day: datetime.date | None, precision: str) -> str | None:
    """A date as ISO 8601 to its precision (`2015`, `2015-01`, `2015-01-26`), as schema.org's Date takes it."""
    if day is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision in YEAR_LEVEL_PRECISIONS:
        return f"{day:%Y}"
    if precision == DatePrecision.MONTH:
        return f"{day:%Y-%m}"
    return day.isoformat()
