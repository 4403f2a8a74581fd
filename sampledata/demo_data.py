"""Loading the curated demo data set (data/demo.yaml) through the same services the admin uses.

The file is checked in full before anything is written: unknown keys, missing
keys and dangling references are all reported with their place in the file.
Loading runs in one transaction and writes only what differs, so a second run
changes nothing and adds no history.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from groups import services as group_services
from groups.models import GroupSection
from kb.accounts import system_account
from kb.dates import DatePrecision
from kb.models import PublicationStatus
from kb.services import publication_checks
from sources.services import citation_upsert, source_upsert

DEMO_DATA_FILE = Path(settings.BASE_DIR) / "data" / "demo.yaml"
IMPORT_REASON = "Imported from seed articles"
IMPORTER_USERNAME = "importer"

_PARTIAL_DATE = {"date", "precision"}
_CITATION = ({"source", "quote"}, {"field", "locator", "credibility"})
_SCHEMA = {
    "root": ({"sources", "groups", "affiliations", "attacks"}, {"people", "roles", "size_estimates", "sections", "theatres"}),
    "source": (
        {"key", "file", "title", "outlet", "authors", "url", "published", "language"},
        {"reliability", "archive_url", "accessed"},
    ),
    "group": (
        {"slug", "name", "kind", "status", "summary", "citations"},
        {
            "founded",
            "dissolved",
            "ideology",
            "countries",
            "areas",
            "aliases",
            "designations",
            "wikidata_id",
            "gtd_name",
            "mitre_attack_id",
            "ucdp_actor_id",
        },
    ),  # fmt: skip
    "alias": ({"name", "kind", "citations"}, {"language", "script", "shared", "valid_from", "valid_to"}),
    "designation": ({"authority", "designation", "citations"}, {"date", "description"}),
    "affiliation": ({"from", "to", "kind", "citations"}, {"start", "end", "confidence", "description"}),
    "attack": (
        {"slug", "title", "date", "citations", "attributions"},
        {
            "end_date",
            "locality",
            "district",
            "province",
            "country",
            "latitude",
            "longitude",
            "attack_type",
            "target_type",
            "weapon_type",
            "suicide",
            "killed",
            "killed_qualifier",
            "wounded",
            "wounded_qualifier",
            "description",
        },
    ),  # fmt: skip
    "attribution": ({"group", "kind", "citations"}, {"attributed_by", "description"}),
    "person": ({"slug", "name"}, set()),  # a name only: nothing else about a person is recorded
    "role": ({"person", "group", "kind", "citations"}, {"title", "start", "end", "as_of"}),
    "size_estimate": ({"group", "low", "high", "estimated_by", "citations"}, {"qualifier", "counted", "as_of", "description"}),
    "theatre": ({"slug", "name", "description", "start_year"}, {"end_year", "countries", "groups"}),
    "citation": _CITATION,
    # A profile section's text cites its own citations by key: "… claimed the attack [cite:claim]."
    "section": ({"group", "topic", "text", "citations"}, {"heading"}),
    "section_citation": ({"key", *_CITATION[0]}, _CITATION[1] - {"field"}),
}
# A marker in a section's text in the file: its citation's key, which the loader writes as the citation's id.
_KEY_MARKER = re.compile(r"\[cite:([^\]]*)\]")


class DemoDataError(Exception):
    """The demo data file is malformed, or a record in it does not pass validation."""


@dataclass
class LoadReport:
    written: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def count(self, record, written: bool) -> None:
        (self.written if written else self.unchanged)[record._meta.verbose_name_plural] += 1

    @property
    def total_written(self) -> int:
        return sum(self.written.values())

    def summary(self) -> str:
        names = sorted(set(self.written) | set(self.unchanged))
        totals = ", ".join(f"{self.written[n] + self.unchanged[n]} {n}" for n in names)
        return f"{totals}; {self.total_written} written, {sum(self.unchanged.values())} already up to date."


def importer_account():
    """The account demo-data writes are recorded under: a Reviewer, since the file is curated and reviewed."""
    return system_account(IMPORTER_USERNAME, roles=("Reviewer",))


def read_demo_data(path: Path = DEMO_DATA_FILE) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DemoDataError(f"Cannot read {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise DemoDataError(f"{path} is not valid YAML: {error}") from error
    problems = _check_structure(data)
    if problems:
        raise DemoDataError(f"{path} has {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    return data


def load_demo_data(*, path: Path = DEMO_DATA_FILE, user=None, reason: str = IMPORT_REASON) -> LoadReport:
    data = read_demo_data(path)
    user = user or importer_account()
    loader = _Loader(base_dir=path.parent, user=user, reason=reason)
    try:
        with transaction.atomic(), publication_checks():
            loader.load(data)
    except ValidationError as error:  # the citation rule, checked once the whole file is written
        raise DemoDataError(" ".join(error.messages)) from error
    return loader.report


def _check_structure(data: Any) -> list[str]:
    problems: list[str] = []

    def check(node: Any, kind: str, where: str) -> dict:
        required, optional = _SCHEMA[kind]
        if not isinstance(node, dict):
            problems.append(f"{where}: expected a mapping with keys {sorted(required)}")
            return {}
        for key in sorted(set(node) - required - optional):
            problems.append(f"{where}: unknown key '{key}'")
        for key in sorted(required - set(node)):
            problems.append(f"{where}: missing key '{key}'")
        return node

    def items(node: dict, key: str, where: str) -> list:
        value = node.get(key) or []
        if not isinstance(value, list):
            problems.append(f"{where}.{key}: expected a list")
            return []
        return value

    def citations(node: dict, where: str) -> None:
        listed = items(node, "citations", where)
        if not listed and "citations" in node:
            problems.append(f"{where}: needs at least one citation")
        for i, citation in enumerate(listed):
            cited = check(citation, "citation", f"{where}.citations[{i}]")
            if cited and cited.get("source") not in source_keys:
                problems.append(f"{where}.citations[{i}]: unknown source '{cited.get('source')}'")

    root = check(data, "root", "file")
    source_keys = {s.get("key") for s in items(root, "sources", "file") if isinstance(s, dict)}
    group_slugs = {g.get("slug") for g in items(root, "groups", "file") if isinstance(g, dict)}

    for i, source in enumerate(items(root, "sources", "file")):
        check(source, "source", f"sources[{i}]")
    for i, group in enumerate(items(root, "groups", "file")):
        where = f"groups[{i}] ({group.get('slug') if isinstance(group, dict) else '?'})"
        group = check(group, "group", where)
        citations(group, where)
        for kind in ("alias", "designation"):
            for j, child in enumerate(items(group, f"{kind}es" if kind == "alias" else f"{kind}s", where)):
                child_where = f"{where}.{kind}[{j}]"
                citations(check(child, kind, child_where), child_where)
    for i, affiliation in enumerate(items(root, "affiliations", "file")):
        where = f"affiliations[{i}]"
        affiliation = check(affiliation, "affiliation", where)
        citations(affiliation, where)
        for end in ("from", "to"):
            if affiliation and affiliation.get(end) not in group_slugs:
                problems.append(f"{where}: unknown group '{affiliation.get(end)}' in '{end}'")
    person_slugs = {p.get("slug") for p in items(root, "people", "file") if isinstance(p, dict)}
    for i, person in enumerate(items(root, "people", "file")):
        check(person, "person", f"people[{i}]")
    for key, kind in (("roles", "role"), ("size_estimates", "size_estimate")):
        for i, node in enumerate(items(root, key, "file")):
            where = f"{key}[{i}]"
            node = check(node, kind, where)
            citations(node, where)
            if node and node.get("group") not in group_slugs:
                problems.append(f"{where}: unknown group '{node.get('group')}'")
            if node and kind == "role" and node.get("person") not in person_slugs:
                problems.append(f"{where}: unknown person '{node.get('person')}'")
    for i, node in enumerate(items(root, "sections", "file")):
        where = f"sections[{i}]"
        node = check(node, "section", where)
        if node and node.get("group") not in group_slugs:
            problems.append(f"{where}: unknown group '{node.get('group')}'")
        keys = []
        for j, citation in enumerate(items(node, "citations", where)):
            cited = check(citation, "section_citation", f"{where}.citations[{j}]")
            if cited and cited.get("source") not in source_keys:
                problems.append(f"{where}.citations[{j}]: unknown source '{cited.get('source')}'")
            keys.append(cited.get("key"))
        if node and not keys:
            problems.append(f"{where}: needs at least one citation")
        used = _KEY_MARKER.findall(str(node.get("text", "")))
        problems += [f"{where}: the text's marker [cite:{key}] names no citation listed" for key in dict.fromkeys(used) if key not in keys]
        problems += [f"{where}: citation '{key}' is listed but the text never cites it" for key in keys if key not in used]
    for i, theatre in enumerate(items(root, "theatres", "file")):
        where = f"theatres[{i}]"
        theatre = check(theatre, "theatre", where)
        for slug in items(theatre, "groups", where):
            if slug not in group_slugs:
                problems.append(f"{where}: unknown group '{slug}'")
    for i, attack in enumerate(items(root, "attacks", "file")):
        where = f"attacks[{i}] ({attack.get('slug') if isinstance(attack, dict) else '?'})"
        attack = check(attack, "attack", where)
        citations(attack, where)
        for j, attribution in enumerate(items(attack, "attributions", where)):
            child_where = f"{where}.attributions[{j}]"
            attribution = check(attribution, "attribution", child_where)
            citations(attribution, child_where)
            if attribution and attribution.get("group") not in group_slugs:
                problems.append(f"{child_where}: unknown group '{attribution.get('group')}'")
    return problems


def _partial_date(field: str, node: dict | None) -> dict[str, Any]:
    """`{date: ..., precision: ...}` in the file → the model's `<field>` and `<field>_precision` values."""
    if not node:
        return {field: None, f"{field}_precision": DatePrecision.UNKNOWN}
    if not isinstance(node, dict) or set(node) != _PARTIAL_DATE:
        raise DemoDataError(f"a partial date is written {{date: YYYY-MM-DD or null, precision: ...}}, not {node!r}")
    return {field: node["date"], f"{field}_precision": node["precision"]}


class _Loader:
    def __init__(self, *, base_dir: Path, user, reason: str):
        self.base_dir, self.user, self.reason = base_dir, user, reason
        self.report = LoadReport()
        self.sources: dict[str, Any] = {}
        self.groups: dict[str, Any] = {}

    def load(self, data: dict) -> None:
        for node in data["sources"]:
            self._source(node)
        for node in data["groups"]:
            self._group(node)
        for index, node in enumerate(data["affiliations"]):
            self._affiliation(node, f"affiliations[{index}]")
        for node in data["attacks"]:
            self._attack(node)
        people = {node["slug"]: self._person(node) for node in data.get("people") or []}
        for index, node in enumerate(data.get("roles") or []):
            self._role(node, people, f"roles[{index}]")
        for index, node in enumerate(data.get("size_estimates") or []):
            self._size_estimate(node, f"size_estimates[{index}]")
        for index, node in enumerate(data.get("sections") or []):
            self._section(node, f"sections[{index}] ({node['group']}, {node['topic']})")
        for index, node in enumerate(data.get("theatres") or []):
            self._theatre(node, f"theatres[{index}]")

    def _write(self, where: str, upsert, *, counted: bool = True, **kwargs):
        try:
            record, written = upsert(user=self.user, reason=self.reason, **kwargs)
        except ValidationError as error:
            messages = (
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
                if hasattr(error, "error_dict")
                else " ".join(error.messages)
            )
            raise DemoDataError(f"{where}: {messages}") from error
        if counted:
            self.report.count(record, written)
        return record

    def _cite(self, target, nodes: list[dict], where: str) -> list:
        return [
            self._write(
                f"{where}.citations[{index}]",
                citation_upsert,
                target=target,
                source=self.sources[node["source"]],
                quote=node["quote"],
                field=node.get("field", ""),
                values={
                    "locator": node.get("locator", ""),
                    "credibility": str(node.get("credibility", "")),
                    "publication_status": PublicationStatus.PUBLISHED,
                },
            )
            for index, node in enumerate(nodes)
        ]

    def _source(self, node: dict) -> None:
        text_path = self.base_dir / node["file"]
        try:
            text = text_path.read_text(encoding="utf-8")
        except OSError as error:
            raise DemoDataError(f"source {node['key']}: cannot read {text_path}: {error.strerror}") from error
        self.sources[node["key"]] = self._write(
            f"source {node['key']}",
            source_upsert,
            key=node["key"],
            values={
                "title": node["title"],
                "outlet": node["outlet"],
                "authors": list(node["authors"]),
                "url": node["url"],
                "archive_url": node.get("archive_url", ""),
                **_partial_date("published", node["published"]),
                "accessed": node.get("accessed"),
                "language": node["language"],
                "text": text,
                "reliability": node.get("reliability", ""),
                "publication_status": PublicationStatus.PUBLISHED,
            },
        )

    def _group(self, node: dict) -> None:
        where = f"group {node['slug']}"
        group = self._write(
            where,
            group_services.group_upsert,
            slug=node["slug"],
            values={
                "name": node["name"],
                "kind": node["kind"],
                "status": node["status"],
                **_partial_date("founded", node.get("founded")),
                **_partial_date("dissolved", node.get("dissolved")),
                "summary": node["summary"],
                "ideology": node.get("ideology", ""),
                "countries": list(node.get("countries") or []),
                "areas": node.get("areas", ""),
                "wikidata_id": node.get("wikidata_id", ""),
                "gtd_name": node.get("gtd_name", ""),
                "mitre_attack_id": node.get("mitre_attack_id", ""),
                "ucdp_actor_id": node.get("ucdp_actor_id"),
                "publication_status": PublicationStatus.PUBLISHED,
            },
        )
        self.groups[node["slug"]] = group
        self._cite(group, node["citations"], where)
        for alias_node in node.get("aliases") or []:
            alias_where = f"{where} alias {alias_node['name']!r}"
            alias = self._write(
                alias_where,
                group_services.alias_upsert,
                group=group,
                name=alias_node["name"],
                values={
                    "kind": alias_node["kind"],
                    "language": alias_node.get("language", ""),
                    "script": alias_node.get("script", ""),
                    "shared_name_acknowledged": bool(alias_node.get("shared", False)),
                    **_partial_date("valid_from", alias_node.get("valid_from")),
                    **_partial_date("valid_to", alias_node.get("valid_to")),
                    "publication_status": PublicationStatus.PUBLISHED,
                },
            )
            self._cite(alias, alias_node["citations"], alias_where)
        for designation_node in node.get("designations") or []:
            designation_where = f"{where} designation by {designation_node['authority']!r}"
            designation = self._write(
                designation_where,
                group_services.designation_upsert,
                group=group,
                authority=designation_node["authority"],
                listing=designation_node["designation"],
                values={
                    **_partial_date("designated", designation_node.get("date")),
                    "description": designation_node.get("description", ""),
                    "publication_status": PublicationStatus.PUBLISHED,
                },
            )
            self._cite(designation, designation_node["citations"], designation_where)

    def _affiliation(self, node: dict, where: str) -> None:
        affiliation = self._write(
            where,
            group_services.affiliation_upsert,
            from_group=self.groups[node["from"]],
            to_group=self.groups[node["to"]],
            kind=node["kind"],
            values={
                **_partial_date("started", node.get("start")),
                **_partial_date("ended", node.get("end")),
                "confidence": node.get("confidence", "reported"),
                "description": node.get("description", ""),
                "publication_status": PublicationStatus.PUBLISHED,
            },
        )
        self._cite(affiliation, node["citations"], where)

    def _attack(self, node: dict) -> None:
        where = f"attack {node['slug']}"
        attack = self._write(
            where,
            group_services.attack_upsert,
            slug=node["slug"],
            values={
                "title": node["title"],
                **_partial_date("date", node["date"]),
                "end_date": node.get("end_date"),
                "locality": node.get("locality", ""),
                "district": node.get("district", ""),
                "province": node.get("province", ""),
                "country": node.get("country", ""),
                "latitude": node.get("latitude"),
                "longitude": node.get("longitude"),
                "attack_type": node.get("attack_type", "unknown"),
                "target_type": node.get("target_type", "unknown"),
                "weapon_type": node.get("weapon_type", "unknown"),
                "suicide": node.get("suicide"),
                "killed": node.get("killed"),
                "killed_qualifier": node.get("killed_qualifier", ""),
                "wounded": node.get("wounded"),
                "wounded_qualifier": node.get("wounded_qualifier", ""),
                "description": node.get("description", ""),
                "publication_status": PublicationStatus.PUBLISHED,
            },
        )
        self._cite(attack, node["citations"], where)
        for index, attribution_node in enumerate(node["attributions"]):
            attribution_where = f"{where}.attributions[{index}]"
            attribution = self._write(
                attribution_where,
                group_services.attribution_upsert,
                attack=attack,
                group=self.groups[attribution_node["group"]],
                kind=attribution_node["kind"],
                attributed_by=attribution_node.get("attributed_by", ""),
                values={"description": attribution_node.get("description", ""), "publication_status": PublicationStatus.PUBLISHED},
            )
            self._cite(attribution, attribution_node["citations"], attribution_where)

    def _person(self, node: dict):
        return self._write(
            f"person {node['slug']}",
            group_services.person_upsert,
            slug=node["slug"],
            values={"name": node["name"], "publication_status": PublicationStatus.PUBLISHED},
        )

    def _role(self, node: dict, people: dict, where: str) -> None:
        role = self._write(
            where,
            group_services.group_role_upsert,
            person=people[node["person"]],
            group=self.groups[node["group"]],
            kind=node["kind"],
            values={
                "title": node.get("title", ""),
                **_partial_date("started", node.get("start")),
                **_partial_date("ended", node.get("end")),
                **_partial_date("as_of", node.get("as_of")),
                "publication_status": PublicationStatus.PUBLISHED,
            },
        )
        self._cite(role, node["citations"], where)

    def _size_estimate(self, node: dict, where: str) -> None:
        estimate = self._write(
            where,
            group_services.size_estimate_upsert,
            group=self.groups[node["group"]],
            estimated_by=node["estimated_by"],
            low=node["low"],
            high=node["high"],
            values={
                "qualifier": node.get("qualifier", ""),
                "counted": node.get("counted", ""),
                **_partial_date("as_of", node.get("as_of")),
                "description": node.get("description", ""),
                "publication_status": PublicationStatus.PUBLISHED,
            },
        )
        self._cite(estimate, node["citations"], where)

    def _section(self, node: dict, where: str) -> None:
        """The section is written first without its markers (its citations need it to exist), the first time only;
        then its citations, then its text with each key written as its citation's id."""
        group = self.groups[node["group"]]
        values = {"heading": node.get("heading", ""), "publication_status": PublicationStatus.PUBLISHED}
        section = GroupSection.objects.filter(group=group, topic=node["topic"]).first()
        if section is None:
            section = self._write(
                where,
                group_services.group_section_upsert,
                counted=False,
                group=group,
                topic=node["topic"],
                values={**values, "text": _KEY_MARKER.sub("", node["text"])},
            )
        cited = self._cite(section, node["citations"], where)
        ids = {citation_node["key"]: citation.pk for citation_node, citation in zip(node["citations"], cited, strict=True)}
        text = _KEY_MARKER.sub(lambda match: f"[cite:{ids[match.group(1)]}]", node["text"].strip())
        self._write(where, group_services.group_section_upsert, group=group, topic=node["topic"], values={**values, "text": text})

    def _theatre(self, node: dict, where: str) -> None:
        """A theatre cites nothing itself: what its map draws is cited."""
        theatre = self._write(
            where,
            group_services.theatre_upsert,
            slug=node["slug"],
            values={
                "name": node["name"],
                "description": node["description"],
                "countries": list(node.get("countries") or []),
                "start_year": node["start_year"],
                "end_year": node.get("end_year"),
                "publication_status": PublicationStatus.PUBLISHED,
            },
        )
        for slug in node.get("groups") or []:
            self._write(
                f"{where} group {slug}",
                group_services.theatre_group_upsert,
                theatre=theatre,
                group=self.groups[slug],
                values={"publication_status": PublicationStatus.PUBLISHED},
            )
