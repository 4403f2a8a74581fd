"""Small maps of attack places, drawn on the server as SVG over country outlines shipped with the app.

No tile server, script or outside request is involved, so a map renders offline and leaks
nothing about its readers. The outlines are Natural Earth's 1:110m countries
(`groups/figures/data/country_outlines.json`, rebuilt by `scripts/build_country_outlines.py`).

A map marks attack places (each marker may carry a short place name written beside it) and may shade
countries: those an attack happened in when its place has no coordinates, or those a group operates in (the
infobox's locator map). Shaded countries are always named; other countries are named where their names fit.
Names are sized so that they read at 12 px or more on a phone (`label_font_size`).

The projection is equirectangular with longitudes shrunk by the cosine of the view's middle
latitude: at the scale of a region the shapes look right, and it takes a few lines. A view never
wraps across the antimeridian.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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
MIN_LABEL_PX = 12  # the smallest a name may be drawn on the screen
CHARACTER_WIDTH = 0.6  # of the font size: a generous average for a sans-serif face
LABEL_GAP = 2.0  # px kept clear between two names, or a name and a marker
MARKER_RADIUS = 5.0
# The maps' sizes, and the narrowest they are shown at: on a 375 px phone, the page's column (346 px) and the
# infobox's (315 px). A map wider than where it is shown is scaled down, its names with it.
ATTACK_MAP_SIZE = (400, 270)
ATTACK_MAP_NARROWEST = 346
LOCATOR_MAP_SIZE = (300, 190)
LOCATOR_MAP_NARROWEST = 315

Coordinate = float | Decimal
Position = tuple[float, float]


@dataclass(frozen=True)
class MapPoint:
    """An attack place to mark: where it is, what its marker says and where it links to."""

    latitude: Coordinate
    longitude: Coordinate
    label: str  # "26 Oct 2016 — Quetta, Balochistan, Pakistan: attack on a police academy"
    url: str  # "" for no link (the attack's own page)
    name: str = ""  # a short place name to write beside the marker ("Quetta"); "" for none


@dataclass(frozen=True)
class MapCountry:
    """A country drawn on a map."""

    name: str
    code: str  # ISO 3166-1 alpha-2, "" where there is none (Kosovo, Somaliland, N. Cyprus)
    path: str  # SVG path data in the map's pixels, cut to the view
    shaded: bool = False
    note: str = ""  # what the shading stands for, after the name: "3 attacks"

    @property
    def title(self) -> str:
        return f"{self.name} ({self.note})" if self.note else self.name


@dataclass(frozen=True)
class PlottedPoint:
    """An attack's marker, in the map's pixels."""

    x: float
    y: float
    label: str
    url: str


@dataclass(frozen=True)
class MapLabel:
    """A name written on the map, centred on (x, y): a place marked, a country shaded, or another country."""

    name: str
    x: float
    y: float
    width: float  # in the map's pixels, as estimated for the map's font size
    height: float
    kind: str = "country"  # "place", "shaded" or "country"

    @property
    def box(self) -> _Box:
        return _Box(self.x - self.width / 2, self.y - self.height / 2, self.x + self.width / 2, self.y + self.height / 2)


@dataclass(frozen=True)
class _Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: _Box, gap: float = 0.0) -> bool:
        return (
            self.left - gap < other.right
            and other.left - gap < self.right
            and self.top - gap < other.bottom
            and other.top - gap < self.bottom
        )

    def within(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


@dataclass(frozen=True)
class Bounds:
    """The part of the world a map shows, in degrees."""

    west: float
    south: float
    east: float
    north: float

    def overlaps(self, other: Bounds) -> bool:
        return self.west <= other.east and other.west <= self.east and self.south <= other.north and other.south <= self.north

    @property
    def corners(self) -> tuple[Position, Position]:
        """South-west and north-east, as (longitude, latitude)."""
        return (self.west, self.south), (self.east, self.north)


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
    label_font_size: float = MIN_LABEL_PX
    shading_order: tuple[str, ...] = ()  # the codes of the shaded countries, in the order they were given

    @property
    def shaded(self) -> list[MapCountry]:
        """The shaded countries on the map, for its legend, in the order they were given (the most attacks first, say)."""
        return sorted((country for country in self.countries if country.shaded), key=lambda country: self.shading_order.index(country.code))


def attack_map(
    points: Sequence[MapPoint],
    *,
    shaded: Mapping[str, str] | None = None,
    width: int = ATTACK_MAP_SIZE[0],
    height: int = ATTACK_MAP_SIZE[1],
    narrowest: int | None = ATTACK_MAP_NARROWEST,
) -> AttackMap | None:
    """A map of these attack places, and of the `shaded` countries (ISO code → what the shading stands for, "" for
    nothing more than the name), over the countries around them; None when there is nothing to show.

    The view fits the places; without places, it fits the shaded countries that have an outline (most small
    island states have none at this scale). `narrowest` is the fewest pixels the map is shown across: names are
    drawn big enough to read at 12 px there.

    Attacks recorded at the same place get markers fanned out around it (a sunflower pattern,
    the first one on the spot), so that each stays visible and can be followed.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"A map needs a positive size, not {width}×{height}.")
    shaded_items = tuple({code.upper(): note for code, note in (shaded or {}).items() if code}.items())
    return _attack_map(tuple(points), shaded_items, width, height, narrowest)


@functools.lru_cache(maxsize=256)  # a map is some tens of kilobytes
def _attack_map(
    points: tuple[MapPoint, ...], shaded_items: tuple[tuple[str, str], ...], width: int, height: int, narrowest: int | None
) -> AttackMap | None:
    """`attack_map`, remembered: a map is a pure function of its places and shaded countries, and projecting and
    clipping the outlines is most of a profile's drawing time. Nothing reads a map to change it."""
    shaded = dict(shaded_items)
    outlines = [outline for outline in _country_outlines() if outline.code in shaded]
    if points:
        places = [_checked_position(point) for point in points]
    elif outlines:
        places = [corner for outline in outlines for corner in outline.main_bounds.corners]
    else:
        return None
    font_size = label_font_size(width, narrowest)
    projection = _Projection.fitting(places, width=width, height=height)
    positions = _fan_out_coincident([projection.project(longitude, latitude) for longitude, latitude in places[: len(points)]])
    plotted = [PlottedPoint(x=x, y=y, label=point.label, url=point.url) for point, (x, y) in zip(points, positions, strict=True)]
    countries, drawn = _countries_in_view(projection, shaded)
    labels = _labels(
        [(point.name, marker) for point, marker in zip(points, plotted, strict=True)],
        drawn,
        shaded,
        projection,
        font_size,
    )
    return AttackMap(
        width=width,
        height=height,
        view_box=f"0 0 {width} {height}",
        bounds=projection.bounds,
        countries=countries,
        points=plotted,
        labels=labels,
        label_font_size=font_size,
        shading_order=tuple(shaded),
    )


def locator_map(codes: Iterable[str], *, width: int = LOCATOR_MAP_SIZE[0], height: int = LOCATOR_MAP_SIZE[1]) -> AttackMap | None:
    """A small map shading these countries (ISO codes) and naming them; None when none of them has an outline."""
    return attack_map([], shaded=dict.fromkeys(codes, ""), width=width, height=height, narrowest=LOCATOR_MAP_NARROWEST)


def label_font_size(width: int, narrowest: int | None) -> float:
    """The font size, in the map's pixels, at which names show at MIN_LABEL_PX or more when the map is scaled down to `narrowest`."""
    scale = min(1.0, narrowest / width) if narrowest else 1.0
    return math.ceil(MIN_LABEL_PX / scale * 2) / 2  # rounded up to half a pixel


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

    def unproject(self, x: float, y: float) -> Position:
        return (
            self.center_longitude + (x - self.width / 2) / (self.longitude_factor * self.scale),
            self.center_latitude - (y - self.height / 2) / self.scale,
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
    main_bounds: Bounds  # of the main landmass: what a map showing the country fits
    polygons: tuple[_Polygon, ...]

    def covers(self, longitude: float, latitude: float) -> bool:
        """Whether this point is on the country's land (even-odd ray casting over each outer ring)."""
        return any(_ring_covers(polygon.rings[0], longitude, latitude) for polygon in self.polygons)


def _ring_covers(ring: Sequence[Position], x: float, y: float) -> bool:
    crossings = 0
    for (ax, ay), (bx, by) in zip(ring, (*ring[1:], ring[0]), strict=True):
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            crossings += 1
    return crossings % 2 == 1


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
        main_bounds=main.bounds,
        polygons=polygons,
    )


def _polygon(rings: list[list[list[float]]]) -> _Polygon:
    outer = rings[0]
    longitudes, latitudes = [lon for lon, _ in outer], [lat for _, lat in outer]
    return _Polygon(
        bounds=Bounds(west=min(longitudes), south=min(latitudes), east=max(longitudes), north=max(latitudes)),
        rings=tuple(tuple((lon, lat) for lon, lat in ring) for ring in rings),
    )


def _countries_in_view(projection: _Projection, shaded: Mapping[str, str]) -> tuple[list[MapCountry], list[_Outline]]:
    view = projection.bounds
    countries, drawn = [], []
    for outline in _country_outlines():
        rings = [ring for polygon in outline.polygons if polygon.bounds.overlaps(view) for ring in _drawn_rings(polygon, projection)]
        if rings:
            is_shaded = bool(outline.code) and outline.code in shaded
            note = shaded.get(outline.code, "") if is_shaded else ""
            countries.append(MapCountry(name=outline.name, code=outline.code, path=_svg_path(rings), shaded=is_shaded, note=note))
            drawn.append(outline)
    return countries, drawn


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


def _labels(
    places: Sequence[tuple[str, PlottedPoint]],  # every marker, with the name to write beside it or ""
    outlines: Sequence[_Outline],
    shaded: Mapping[str, str],
    projection: _Projection,
    font_size: float,
) -> list[MapLabel]:
    """The names written on the map, none over another or over a marker, all inside the view.

    First the places marked, each beside its marker (to the right, else left, above, below); then the shaded
    countries, on their main landmass (or just above or below it when something is there already), whether or not
    the name fits inside the outline; then the other countries big enough to carry their names, widest first.
    """
    width, height = projection.width, projection.height
    markers = [_Box(p.x - MARKER_RADIUS, p.y - MARKER_RADIUS, p.x + MARKER_RADIUS, p.y + MARKER_RADIUS) for _, p in places]
    placed: list[MapLabel] = []

    def place(name: str, candidates: Iterable[Position], kind: str) -> bool:
        text_width = len(name) * CHARACTER_WIDTH * font_size
        for x, y in candidates:
            label = MapLabel(name=name, x=round(x, 1), y=round(y, 1), width=round(text_width, 1), height=font_size, kind=kind)
            box = label.box
            clear = not any(box.overlaps(other.box, LABEL_GAP) for other in placed) and not any(
                box.overlaps(marker, LABEL_GAP) for marker in markers
            )
            if box.within(width, height) and clear:
                placed.append(label)
                return True
        return False

    offset = MARKER_RADIUS + LABEL_GAP + 1
    for name, point in places:
        if not name:
            continue
        half = len(name) * CHARACTER_WIDTH * font_size / 2
        beside = [
            (point.x + offset + half, point.y),
            (point.x - offset - half, point.y),
            (point.x, point.y - offset - font_size / 2),
            (point.x, point.y + offset + font_size / 2),
        ]
        place(name, beside, "place")

    def around(outline: _Outline) -> list[Position]:
        """Where to try a country's name: on its label point, then a line or two above or below, then to the sides."""
        x, y = projection.project(*outline.label_at)
        step = font_size * 1.3
        shifts = [(0, 0), (0, step), (0, -step), (0, 2 * step), (0, -2 * step), (-2 * step, 0), (2 * step, 0)]
        return [(x + dx, y + dy) for dx, dy in shifts]

    def on_land(outline: _Outline, candidates: list[Position]) -> list[Position]:
        return [(x, y) for x, y in candidates if outline.covers(*projection.unproject(x, y))]

    shaded_outlines = [outline for outline in outlines if outline.code and outline.code in shaded]
    for outline in sorted(shaded_outlines, key=lambda outline: outline.label_room, reverse=True):
        candidates = around(outline)
        place(outline.name, on_land(outline, candidates) + candidates, "shaded")  # on its land if it can, else near it
    for outline in sorted((o for o in outlines if o not in shaded_outlines), key=lambda outline: outline.label_room, reverse=True):
        text_width = len(outline.name) * CHARACTER_WIDTH * font_size
        if outline.label_room * projection.longitude_factor * projection.scale >= text_width:
            place(outline.name, on_land(outline, around(outline)), "country")
    return placed
