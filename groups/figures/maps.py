"""Small maps of attack places, drawn on the server as SVG over country outlines shipped with the app.

No tile server, script or outside request is involved, so a map renders offline and leaks
nothing about its readers. The outlines are Natural Earth's 1:110m countries
(`groups/figures/data/country_outlines.json`, rebuilt by `scripts/build_country_outlines.py`).

The projection is equirectangular with longitudes shrunk by the cosine of the view's middle
latitude: at the scale of a region the shapes look right, and it takes a few lines. A view never
wraps across the antimeridian.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

OUTLINES_FILE = Path(__file__).resolve().parent / "data" / "country_outlines.json"

PADDING = 0.25  # of the points' extent, added on each side
MIN_SPAN_DEGREES = 6.0  # a single attack still shows its surroundings: about 660 km north to south
MIN_LONGITUDE_FACTOR = 0.2  # near the poles, cos(latitude) would stretch the map without end
CLIP_MARGIN = 2.0  # px; outlines cut at the view's edge leave their cut edges just outside it
MIN_SEGMENT = 2.0  # px; finer detail only adds bytes: the whole world weighs 50 kB instead of 100 kB
COINCIDENT_SPACING = 6.0  # px between attacks recorded at the same place
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
LABEL_FONT_SIZE = 11
LABEL_CHARACTER_WIDTH = 0.6 * LABEL_FONT_SIZE  # a generous average for a sans-serif face

Coordinate = float | Decimal
Position = tuple[float, float]


@dataclass(frozen=True)
class MapPoint:
    """An attack place to mark: where it is, what its marker says and where it links to."""

    latitude: Coordinate
    longitude: Coordinate
    label: str  # "26 Oct 2016 — Quetta, Balochistan, Pakistan: attack on a police academy"
    url: str


@dataclass(frozen=True)
class MapCountry:
    """A country drawn on a map."""

    name: str
    code: str  # ISO 3166-1 alpha-2, "" where there is none (Kosovo, Somaliland, N. Cyprus)
    path: str  # SVG path data in the map's pixels, cut to the view


@dataclass(frozen=True)
class PlottedPoint:
    """An attack's marker, in the map's pixels."""

    x: float
    y: float
    label: str
    url: str


@dataclass(frozen=True)
class MapLabel:
    """A country's name written on the map, centred on (x, y)."""

    name: str
    x: float
    y: float


@dataclass(frozen=True)
class Bounds:
    """The part of the world a map shows, in degrees."""

    west: float
    south: float
    east: float
    north: float

    def overlaps(self, other: Bounds) -> bool:
        return self.west <= other.east and other.west <= self.east and self.south <= other.north and other.south <= self.north


@dataclass(frozen=True)
class AttackMap:
    """Everything the `groups/includes/attack_map.html` template draws, already projected to pixels."""

    width: int
    height: int
    view_box: str
    bounds: Bounds
    countries: list[MapCountry]
    points: list[PlottedPoint]
    labels: list[MapLabel]


def attack_map(points: Sequence[MapPoint], *, width: int = 480, height: int = 320) -> AttackMap | None:
    """A map of these attack places over the countries around them; None when there is nothing to mark.

    Attacks recorded at the same place get markers fanned out around it (a sunflower pattern,
    the first one on the spot), so that each stays visible and can be followed.
    """
    if not points:
        return None
    if width <= 0 or height <= 0:
        raise ValueError(f"A map needs a positive size, not {width}×{height}.")
    places = [_checked_position(point) for point in points]
    projection = _Projection.fitting(places, width=width, height=height)
    positions = _fan_out_coincident([projection.project(longitude, latitude) for longitude, latitude in places])
    countries, labels = _countries_in_view(projection)
    return AttackMap(
        width=width,
        height=height,
        view_box=f"0 0 {width} {height}",
        bounds=projection.bounds,
        countries=countries,
        points=[PlottedPoint(x=x, y=y, label=point.label, url=point.url) for point, (x, y) in zip(points, positions, strict=True)],
        labels=labels,
    )


def _checked_position(point: MapPoint) -> Position:
    """(longitude, latitude) as floats; a place off the globe is a bug upstream, not something to draw."""
    latitude, longitude = float(point.latitude), float(point.longitude)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"({point.latitude}, {point.longitude}) is not a latitude and longitude.")
    return longitude, latitude


@dataclass(frozen=True)
class _Projection:
    """Degrees to pixels: x grows east from the left edge, y grows south from the top."""

    width: int
    height: int
    center_longitude: float
    center_latitude: float
    longitude_factor: float  # cos(middle latitude): how much shorter a degree of longitude is than one of latitude
    scale: float  # pixels per degree of latitude

    @classmethod
    def fitting(cls, places: Sequence[Position], *, width: int, height: int) -> _Projection:
        """The largest scale at which the padded places fit, centred on them but kept on the globe."""
        longitudes, latitudes = [lon for lon, _ in places], [lat for _, lat in places]
        latitude_span = min(max(_padded(latitudes), MIN_SPAN_DEGREES), 180.0)
        center_latitude = _centre_within(_middle(latitudes), latitude_span, -90.0, 90.0)
        longitude_factor = max(math.cos(math.radians(center_latitude)), MIN_LONGITUDE_FACTOR)
        # The same minimum on the ground east to west as north to south.
        longitude_span = min(max(_padded(longitudes), MIN_SPAN_DEGREES / longitude_factor), 360.0)
        center_longitude = _centre_within(_middle(longitudes), longitude_span, -180.0, 180.0)
        scale = min(width / (longitude_span * longitude_factor), height / latitude_span)
        # One side of the view has room to spare; it shows more surroundings, still on the globe if it can.
        return cls(
            width=width,
            height=height,
            center_longitude=_centre_within(center_longitude, width / (scale * longitude_factor), -180.0, 180.0),
            center_latitude=_centre_within(center_latitude, height / scale, -90.0, 90.0),
            longitude_factor=longitude_factor,
            scale=scale,
        )

    @property
    def bounds(self) -> Bounds:
        half_width = self.width / (2 * self.scale * self.longitude_factor)
        half_height = self.height / (2 * self.scale)
        return Bounds(
            west=self.center_longitude - half_width,
            south=self.center_latitude - half_height,
            east=self.center_longitude + half_width,
            north=self.center_latitude + half_height,
        )

    def project(self, longitude: float, latitude: float) -> Position:
        x = self.width / 2 + (longitude - self.center_longitude) * self.longitude_factor * self.scale
        y = self.height / 2 - (latitude - self.center_latitude) * self.scale
        return round(x, 1), round(y, 1)


def _padded(values: Sequence[float]) -> float:
    return (max(values) - min(values)) * (1 + 2 * PADDING)


def _middle(values: Sequence[float]) -> float:
    return (max(values) + min(values)) / 2


def _centre_within(centre: float, span: float, low: float, high: float) -> float:
    """Move a window of this span so it stays within [low, high]; centre it there if it cannot fit."""
    if span >= high - low:
        return (low + high) / 2
    return min(max(centre, low + span / 2), high - span / 2)


def _fan_out_coincident(positions: Sequence[Position]) -> list[Position]:
    """Markers at the same pixel spread on a sunflower spiral, so none hides another."""
    seen: Counter[Position] = Counter()
    spread = []
    for x, y in positions:
        rank = seen[(x, y)]
        seen[(x, y)] += 1
        radius, angle = COINCIDENT_SPACING * math.sqrt(rank), rank * GOLDEN_ANGLE
        spread.append((round(x + radius * math.cos(angle), 1), round(y + radius * math.sin(angle), 1)))
    return spread


# Country outlines


@dataclass(frozen=True)
class _Polygon:
    bounds: Bounds
    rings: tuple[tuple[Position, ...], ...]  # the outer ring, then holes; (longitude, latitude)


@dataclass(frozen=True)
class _Outline:
    name: str
    code: str
    label_at: Position  # (longitude, latitude) well inside the main landmass
    label_room: float  # degrees of longitude the main landmass spans, to tell whether a name fits
    polygons: tuple[_Polygon, ...]


@functools.cache
def _country_outlines() -> tuple[_Outline, ...]:
    """The outlines, read once per process."""
    with OUTLINES_FILE.open(encoding="utf-8") as data:
        return tuple(_outline(country) for country in json.load(data))


def _outline(country: dict) -> _Outline:
    polygons = tuple(_polygon(rings) for rings in country["polygons"])
    main = max(polygons, key=lambda polygon: (polygon.bounds.east - polygon.bounds.west) * (polygon.bounds.north - polygon.bounds.south))
    return _Outline(
        name=country["name"],
        code=country["code"],
        label_at=tuple(country["label"]),
        label_room=main.bounds.east - main.bounds.west,
        polygons=polygons,
    )


def _polygon(rings: list[list[list[float]]]) -> _Polygon:
    outer = rings[0]
    longitudes, latitudes = [lon for lon, _ in outer], [lat for _, lat in outer]
    return _Polygon(
        bounds=Bounds(west=min(longitudes), south=min(latitudes), east=max(longitudes), north=max(latitudes)),
        rings=tuple(tuple((lon, lat) for lon, lat in ring) for ring in rings),
    )


def _countries_in_view(projection: _Projection) -> tuple[list[MapCountry], list[MapLabel]]:
    view = projection.bounds
    countries, label_candidates = [], []
    for outline in _country_outlines():
        rings = [ring for polygon in outline.polygons if polygon.bounds.overlaps(view) for ring in _drawn_rings(polygon, projection)]
        if rings:
            countries.append(MapCountry(name=outline.name, code=outline.code, path=_svg_path(rings)))
            label_candidates.append(outline)
    return countries, _labels_that_fit(label_candidates, projection)


def _drawn_rings(polygon: _Polygon, projection: _Projection) -> list[list[Position]]:
    """The polygon's rings in pixels, as far as they show on the map."""
    rings = (_drop_fine_detail(_clip_to_view([projection.project(lon, lat) for lon, lat in ring], projection)) for ring in polygon.rings)
    return [ring for ring in rings if len(ring) >= 3]


def _clip_to_view(ring: list[Position], projection: _Projection) -> list[Position]:
    """The part of a ring inside the view (plus a margin), by Sutherland–Hodgman clipping.

    Cutting keeps the SVG small (a view of Kashmir does not carry all of Russia), and a polygon
    that still spans the world, like Antarctica's, stops at the edge instead of beyond it.
    """
    low, right, bottom = -CLIP_MARGIN, projection.width + CLIP_MARGIN, projection.height + CLIP_MARGIN
    for axis, limit, keep_above in ((0, low, True), (0, right, False), (1, low, True), (1, bottom, False)):
        ring = _clip_to_half_plane(ring, axis, limit, keep_above=keep_above)
        if not ring:
            break
    return ring


def _clip_to_half_plane(ring: list[Position], axis: int, limit: float, *, keep_above: bool) -> list[Position]:
    def inside(point: Position) -> bool:
        return point[axis] >= limit if keep_above else point[axis] <= limit

    def crossing(a: Position, b: Position) -> Position:
        t = (limit - a[axis]) / (b[axis] - a[axis])
        x, y = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
        return round(x, 1), round(y, 1)

    clipped: list[Position] = []
    for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
        if inside(b):
            if not inside(a):
                clipped.append(crossing(a, b))
            clipped.append(b)
        elif inside(a):
            clipped.append(crossing(a, b))
    return clipped


def _drop_fine_detail(ring: list[Position]) -> list[Position]:
    """The ring without points closer than MIN_SEGMENT to the last one kept; an island smaller than that vanishes."""
    kept: list[Position] = []
    for point in ring:
        if not kept or math.dist(point, kept[-1]) >= MIN_SEGMENT:
            kept.append(point)
    return kept


def _svg_path(rings: Iterable[Sequence[Position]]) -> str:
    """`M x,y L x,y … Z` for each ring."""
    return "".join("M" + "L".join(f"{_number(x)},{_number(y)}" for x, y in ring) + "Z" for ring in rings)


def _number(value: float) -> str:
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _labels_that_fit(outlines: Iterable[_Outline], projection: _Projection) -> list[MapLabel]:
    """Names of countries big enough on this map to carry them, without overlapping one another."""
    placed: list[tuple[MapLabel, float]] = []
    widest_first = sorted(outlines, key=lambda outline: outline.label_room, reverse=True)
    for outline in widest_first:
        text_width = len(outline.name) * LABEL_CHARACTER_WIDTH
        if outline.label_room * projection.longitude_factor * projection.scale < text_width:
            continue
        x, y = projection.project(*outline.label_at)
        fits_in_view = (
            text_width / 2 <= x <= projection.width - text_width / 2 and LABEL_FONT_SIZE <= y <= projection.height - LABEL_FONT_SIZE
        )
        clear_of_others = all(
            abs(x - other.x) * 2 >= text_width + other_width or abs(y - other.y) >= LABEL_FONT_SIZE for other, other_width in placed
        )
        if fits_in_view and clear_of_others:
            placed.append((MapLabel(name=outline.name, x=x, y=y), text_width))
    return sorted((label for label, _ in placed), key=lambda label: label.name)
