"""OpenCTI's rules for recognising the same object twice, to count what an import of our bundles would merge or refuse.

OpenCTI does not keep a STIX object's id: it derives a "standard id" from a few contributing properties
(opencti-graphql src/schema/identifier.js, `stixBaseEntityContribution` and `stixBaseRelationshipContribution`):
a uuid5 in the OASIS namespace of the canonical JSON of those properties, names lower-cased and trimmed
(`normalizeName`). Two objects with the same standard id become one. An intrusion set (an aliased type,
`isStixObjectAliased`) is also found by the standard id each of its aliases would have as a name
(`generateAliasesIdsForInstance`), so a name or alias two groups share merges them. What is read:

- intrusion-set: name (and every alias as a name);
- incident: name and created;
- report: name and published;
- identity: name and identity_class;
- grouping: name and context (opencti-graphql src/modules/grouping, a container since OpenCTI 5.4);
- relationship: relationship_type, the source's and target's standard ids, start_time and stop_time.

OpenCTI also refuses a relationship its schema does not list for the two types (opencti-graphql
src/database/stix.js, `checkStixCoreRelationshipMapping`): `related-to` goes everywhere, and from an incident to
an intrusion set only `attributed-to`; between two intrusion sets, nothing else.
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

OASIS_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

# (source type, target type) → relationship types OpenCTI's schema allows, besides related-to (allowed everywhere).
ALLOWED_RELATIONSHIPS = {
    ("incident", "intrusion-set"): {"attributed-to"},
    ("intrusion-set", "intrusion-set"): set(),
}


def normalize_name(name: str) -> str:
    return name.lower().strip()


def _js_iso(timestamp: str) -> str:
    """A STIX timestamp as OpenCTI stores it (a JavaScript Date's toISOString: always milliseconds)."""
    moment = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def standard_id(stix_type: str, data: dict) -> str:
    """uuid5 of the canonical JSON (RFC 8785: sorted keys, no spaces) of the contributing properties."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{stix_type}--{uuid.uuid5(OASIS_NAMESPACE, canonical)}"


@dataclass
class OpenCtiImport:
    """What OpenCTI would make of a bundle's objects: which merge into an earlier one, which it refuses."""

    merged: list[tuple[str, str]] = field(default_factory=list)  # (object id, id of the object it merges into)
    refused: list[str] = field(default_factory=list)  # relationships outside OpenCTI's schema
    kept: int = 0
    _owner: dict[str, str] = field(default_factory=dict)  # OpenCTI id → our id of the first object that claimed it
    _standard: dict[str, str] = field(default_factory=dict)  # our id → OpenCTI standard id
    _types: dict[str, str] = field(default_factory=dict)

    def add(self, stix_object: dict) -> None:
        stix_type = stix_object["type"]
        self._types[stix_object["id"]] = stix_type
        if stix_type == "relationship":
            allowed = ALLOWED_RELATIONSHIPS.get((self._type(stix_object["source_ref"]), self._type(stix_object["target_ref"])))
            if stix_object["relationship_type"] != "related-to" and allowed is not None and stix_object["relationship_type"] not in allowed:
                self.refused.append(stix_object["id"])
                return
        ids = self._ids(stix_object)
        if not ids:
            return  # not an entity OpenCTI identifies this way (the extension definition, a marking definition)
        earlier = next((self._owner[one] for one in ids if one in self._owner), None)
        if earlier is not None:
            self.merged.append((stix_object["id"], earlier))
            self._standard[stix_object["id"]] = self._standard[earlier]
            return
        self.kept += 1
        self._standard[stix_object["id"]] = ids[0]
        for one in ids:
            self._owner[one] = stix_object["id"]

    def _type(self, stix_id: str) -> str:
        return self._types.get(stix_id, stix_id.split("--")[0])

    def _ids(self, stix_object: dict) -> list[str]:
        stix_type = stix_object["type"]
        if stix_type == "intrusion-set":
            names = [stix_object["name"], *stix_object.get("aliases", []), *stix_object.get("x_opencti_aliases", [])]
            return list(dict.fromkeys(standard_id(stix_type, {"name": normalize_name(name)}) for name in names if name.strip()))
        if stix_type == "incident":
            data = {"name": normalize_name(stix_object["name"]), "created": _js_iso(stix_object["created"])}
            return [standard_id(stix_type, data)]
        if stix_type == "report":
            data = {"name": normalize_name(stix_object["name"]), "published": _js_iso(stix_object["published"])}
            return [standard_id(stix_type, data)]
        if stix_type == "grouping":
            data = {"name": normalize_name(stix_object["name"]), "context": stix_object["context"]}
            return [standard_id(stix_type, data)]
        if stix_type == "identity":
            data = {"name": normalize_name(stix_object["name"]), "identity_class": normalize_name(stix_object["identity_class"])}
            return [standard_id(stix_type, data)]
        if stix_type == "relationship":
            data = {
                "relationship_type": stix_object["relationship_type"],
                "source_ref": self._standard.get(stix_object["source_ref"], stix_object["source_ref"]),
                "target_ref": self._standard.get(stix_object["target_ref"], stix_object["target_ref"]),
            }
            data.update({name: _js_iso(stix_object[name]) for name in ("start_time", "stop_time") if name in stix_object})
            return [standard_id(stix_type, data)]
        return []

    @property
    def merged_by_type(self) -> Counter:
        return Counter(self._types[merged] for merged, _ in self.merged)


def opencti_import(objects: Iterable[dict]) -> OpenCtiImport:
    """Feed the objects in bundle order (entities before the relationships that join them, as our bundles are)."""
    result = OpenCtiImport()
    for stix_object in objects:
        result.add(stix_object)
    return result
