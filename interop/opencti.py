"""OpenCTI's reading of our STIX: what its schema lets a relationship be, and the objects rewritten so it keeps them.

OpenCTI refuses a relationship whose type its schema does not list for the two objects' types (opencti-graphql
`checkStixCoreRelationshipMapping`). `related-to` goes everywhere; from an incident to an intrusion set it also takes
`attributed-to`; between two intrusion sets it takes nothing else, so every typed affiliation (`branch-of`,
`rival-of`, …) would be dropped. The OpenCTI collection of the TAXII server serves those as `related-to`, keeping the
kind in `x_kb_relationship`, at the head of the description and as a label.

OpenCTI knows a relationship by its type, ends and times (`stixBaseRelationshipContribution`), so two affiliations of
different kinds between the same two groups, undated, become one `related-to` there. Its upsert of the second adds its
labels and external references to the first, so the one relationship still names both kinds and cites both facts'
sources; the second's description is what it may lose.
"""

from __future__ import annotations

import json

from groups.models import AffiliationKind

from .stix import stix_json

# (source type, target type) → the relationship types OpenCTI's schema allows between them besides related-to.
ALLOWED_RELATIONSHIPS: dict[tuple[str, str], frozenset[str]] = {
    ("incident", "intrusion-set"): frozenset({"attributed-to"}),
    ("intrusion-set", "intrusion-set"): frozenset(),
}
EVERYWHERE = "related-to"


def object_type(stix_id: str) -> str:
    return stix_id.split("--", 1)[0]


def opencti_refuses(relationship: dict) -> bool:
    """Whether OpenCTI would refuse the relationship as its schema stands."""
    kind = relationship["relationship_type"]
    allowed = ALLOWED_RELATIONSHIPS.get((object_type(relationship["source_ref"]), object_type(relationship["target_ref"])))
    return kind != EVERYWHERE and allowed is not None and kind not in allowed


def for_opencti(relationship: dict) -> dict:
    """The relationship as OpenCTI keeps it: unchanged when its schema allows it, otherwise `related-to` with the
    kind named first in the description ("Branch or province of. …"), kept in `x_kb_relationship` and given as a label
    (its STIX type, `branch-of`), which OpenCTI adds up when it merges relationships."""
    if not opencti_refuses(relationship):
        return relationship
    kind = relationship.get("x_kb_relationship") or relationship["relationship_type"].replace("-", "_")
    label = AffiliationKind(kind).label if kind in AffiliationKind.values else kind.replace("_", " ")
    description = relationship.get("description", "")
    return {
        **relationship,
        "relationship_type": EVERYWHERE,
        "labels": [*relationship.get("labels", []), relationship["relationship_type"]],
        "description": f"{label[:1].upper()}{label[1:]}." + (f" {description}" if description else ""),
        "x_kb_relationship": kind,
    }


def opencti_body(stix_type: str, body: str) -> str:
    """A stored version's JSON as the OpenCTI collection serves it: only relationships can change."""
    if stix_type != "relationship":
        return body
    relationship = json.loads(body)
    rewritten = for_opencti(relationship)
    return body if rewritten is relationship else stix_json(rewritten)
