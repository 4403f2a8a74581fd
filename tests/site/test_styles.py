"""The stylesheet's colours for kinds of group and relationship families: one for each, the graph's own colours for
the families, and every pair read as text at WCAG AA contrast."""

import re
from pathlib import Path

import pytest

from groups.figures.graphs import EDGE_FAMILIES
from groups.models import GroupKind

SITE_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "site.css"


def custom_properties() -> dict[str, str]:
    root = SITE_CSS.read_text(encoding="utf-8").split(":root {", 1)[1].split("}", 1)[0]
    return {name: value.strip() for name, value in re.findall(r"(--[\w-]+):\s*([^;]+);", root)}


def contrast(one: str, other: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("family", EDGE_FAMILIES, ids=lambda family: family.key)
def test_each_relationship_family_has_the_graphs_colour_visible_on_white(family):
    colour = custom_properties()[f"--family-{family.key}"]
    assert colour.lower() == family.colour.lower()
    assert contrast(colour, "#ffffff") >= 3  # lines and swatches: WCAG 1.4.11
    css = SITE_CSS.read_text(encoding="utf-8")
    assert f".family-{family.key} {{ --family: var(--family-{family.key}); }}" in css


@pytest.mark.parametrize("kind", GroupKind.values)
def test_each_kind_of_group_has_a_colour_readable_as_text_and_under_white_text(kind):
    properties = custom_properties()
    colour = properties[f"--kind-{kind}"]
    for background in ("#ffffff", properties["--soft"]):
        assert contrast(colour, background) >= 4.5, (kind, background)
    css = SITE_CSS.read_text(encoding="utf-8")
    assert f".kind-{kind} {{ --kind: var(--kind-{kind}); }}" in css


def test_no_colour_is_left_for_a_kind_or_family_that_does_not_exist():
    names = set(custom_properties())
    assert {name for name in names if name.startswith("--kind-")} == {f"--kind-{kind}" for kind in GroupKind.values}
    assert {name for name in names if name.startswith("--family-")} == {f"--family-{family.key}" for family in EDGE_FAMILIES}


def test_the_type_scale_rises_by_one_ratio():
    properties = custom_properties()
    steps = [float(properties[f"--step-{n}"].removesuffix("rem")) for n in ("-1", "0", "1", "2", "3")]
    ratios = [larger / smaller for smaller, larger in zip(steps, steps[1:], strict=False)]
    assert all(ratio == pytest.approx(1.25, abs=0.01) for ratio in ratios), ratios


def test_every_block_of_the_stylesheet_closes_and_no_media_query_holds_another():
    """A missing brace leaves every rule after it inside the block before (the screen's rules inside `@media print`),
    which no browser reports."""
    css = re.sub(r"/\*.*?\*/", "", SITE_CSS.read_text(encoding="utf-8"), flags=re.S)
    depth, media_depth = 0, []
    for number, line in enumerate(css.splitlines(), start=1):
        for token in re.findall(r"@media|\{|\}", line):
            if token == "@media":
                assert not media_depth, f"line {number}: an @media inside the @media opened at line {media_depth[-1][1]}"
                media_depth.append((depth, number))
            elif token == "{":
                depth += 1
            else:
                depth -= 1
                assert depth >= 0, f"line {number}: a closing brace with no block open"
                if media_depth and depth == media_depth[-1][0]:
                    media_depth.pop()
    assert depth == 0, f"{depth} block(s) left open at the end"
