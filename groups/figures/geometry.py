"""Plane geometry for the relationship graph: node outlines, edges as quadratic curves routed clear of the nodes they
do not join, and the check that they are (read back from the SVG path data, so it tests what is drawn).

A node is a `Shape`: a circle, or a pill (a horizontal segment with a radius round it) for the group in the middle,
whose name is written inside it so that no edge can cross it. An edge is a quadratic Bézier curve; a straight
edge is one whose control point is its middle.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Shape:
    """A node's outline: the points within `radius` of the segment from (x - half_width, y) to (x + half_width, y)."""

    x: float
    y: float
    radius: float
    half_width: float = 0.0

    def distance(self, point: Point) -> float:
        """How far `point` is outside the outline (negative inside)."""
        dx = max(abs(point[0] - self.x) - self.half_width, 0.0)
        return math.hypot(dx, point[1] - self.y) - self.radius


@dataclass(frozen=True)
class Curve:
    start: Point
    control: Point
    end: Point

    @classmethod
    def bowed(cls, start: Point, end: Point, bow: float) -> Curve:
        """From `start` to `end`, its middle `bow` to the left of the straight line (right when negative)."""
        (x1, y1), (x2, y2) = start, end
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = -(y2 - y1) / length, (x2 - x1) / length
        # A quadratic's middle lies halfway between the chord's middle and its control point.
        return cls(start, ((x1 + x2) / 2 + 2 * bow * nx, (y1 + y2) / 2 + 2 * bow * ny), end)

    def at(self, t: float) -> Point:
        u = 1 - t
        (x0, y0), (x1, y1), (x2, y2) = self.start, self.control, self.end
        return (u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2)

    def between(self, t0: float, t1: float) -> Curve:
        """The part of the curve from t0 to t1, itself a quadratic curve."""
        (x0, y0), (x1, y1), (x2, y2) = self.start, self.control, self.end
        a, b, c = (1 - t0) * (1 - t1), (1 - t0) * t1 + t0 * (1 - t1), t0 * t1
        return Curve(self.at(t0), (a * x0 + b * x1 + c * x2, a * y0 + b * y1 + c * y2), self.at(t1))

    def reversed(self) -> Curve:
        return Curve(self.end, self.control, self.start)

    @property
    def straight(self) -> bool:
        middle = ((self.start[0] + self.end[0]) / 2, (self.start[1] + self.end[1]) / 2)
        return math.dist(middle, self.control) < 0.05

    def points(self, samples: int = 64) -> list[Point]:
        return [self.at(i / samples) for i in range(samples + 1)]

    def path(self) -> str:
        """SVG path data: `M… L…` for a straight edge, `M… Q…` for a curve."""
        (x0, y0), (x1, y1), (x2, y2) = self.start, self.control, self.end
        if self.straight:
            return f"M{x0:.1f} {y0:.1f} L{x2:.1f} {y2:.1f}"
        return f"M{x0:.1f} {y0:.1f} Q{x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f}"


def trimmed(curve: Curve, start: Shape, end: Shape, *, end_gap: float = 0.0) -> Curve:
    """The part of `curve` (drawn from the centre of `start` to that of `end`) outside both outlines, stopping
    `end_gap` short of `end` (room for an arrowhead's tip)."""
    t0 = _crossing(curve, lambda t: start.distance(curve.at(t)) >= 0, 0.0, 0.5)
    t1 = _crossing(curve, lambda t: end.distance(curve.at(t)) < end_gap, 0.5, 1.0)
    return curve.between(t0, t1)


def _crossing(curve: Curve, outside_after, low: float, high: float) -> float:
    """The t in [low, high] where `outside_after(t)` turns true, by bisection."""
    for _ in range(30):
        middle = (low + high) / 2
        if outside_after(middle):
            high = middle
        else:
            low = middle
    return (low + high) / 2


def clearance(curve: Curve, obstacles: Iterable[Shape], *, samples: int = 64) -> float:
    """The least distance between the curve and the obstacles' outlines."""
    points = curve.points(samples)
    return min((obstacle.distance(point) for obstacle in obstacles for point in points), default=math.inf)


def route(start: Shape, end: Shape, obstacles: Sequence[Shape], *, margin: float, step: float, prefer: float = 1.0, limit: int = 40):
    """Bows (of `step`, alternating sides, the `prefer` side first) for which the curve from `start` to `end` stays
    `margin` clear of every obstacle, nearest to straight first. Yields (bow, curve)."""
    origin, target = (start.x, start.y), (end.x, end.y)
    sign = 1.0 if prefer >= 0 else -1.0
    for index in range(limit):
        bow = step * ((index + 1) // 2) * (sign if index % 2 else -sign)  # 0, preferred side, other side, …
        curve = Curve.bowed(origin, target, bow)
        near = [obstacle for obstacle in obstacles if _box_distance(obstacle, curve) < margin]  # the curve lies in its box
        if clearance(trimmed(curve, start, end), near) >= margin:
            yield bow, curve


def _box_distance(shape: Shape, curve: Curve) -> float:
    """How far the outline of `shape` is from the box round the curve's three points (no farther than from the curve)."""
    xs, ys = zip(curve.start, curve.control, curve.end, strict=True)
    dx = max(min(xs) - (shape.x + shape.half_width), (shape.x - shape.half_width) - max(xs), 0.0)
    dy = max(min(ys) - shape.y, shape.y - max(ys), 0.0)
    return math.hypot(dx, dy) - shape.radius


# --- The check, over the SVG path data as drawn ---------------------------------------------------------------

_PATH = re.compile(r"^M(-?[\d.]+) (-?[\d.]+) (?:L(-?[\d.]+) (-?[\d.]+)|Q(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+))$")


def parse_path(path: str) -> Curve:
    """The curve of a path this module wrote (`Curve.path`)."""
    match = _PATH.match(path)
    if match is None:
        raise ValueError(f"Not an edge's path: {path!r}")
    x0, y0, lx, ly, qx, qy, x2, y2 = match.groups()
    start = (float(x0), float(y0))
    if lx is not None:
        end = (float(lx), float(ly))
        return Curve(start, ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2), end)
    return Curve(start, (float(qx), float(qy)), (float(x2), float(y2)))


def segment_distance(shape: Shape, a: Point, b: Point) -> float:
    """The exact least distance between the segment a–b and the outline of `shape` (negative when it enters it)."""
    # The distance between two segments: the shape's spine and a–b.
    spine = ((shape.x - shape.half_width, shape.y), (shape.x + shape.half_width, shape.y))
    return _segments_distance(spine, (a, b)) - shape.radius


def _segments_distance(first: tuple[Point, Point], second: tuple[Point, Point]) -> float:
    (p, q), (r, s) = first, second
    if _segments_cross(p, q, r, s):
        return 0.0
    return min(_point_segment(p, r, s), _point_segment(q, r, s), _point_segment(r, p, q), _point_segment(s, p, q))


def _point_segment(point: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = point, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def _segments_cross(p: Point, q: Point, r: Point, s: Point) -> bool:
    def side(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2, d3, d4 = side(r, s, p), side(r, s, q), side(p, q, r), side(p, q, s)
    return (d1 > 0) != (d2 > 0) and (d3 > 0) != (d4 > 0) and 0 not in (d1, d2, d3, d4)


def path_distance(path: str, shape: Shape, *, samples: int = 400) -> float:
    """The least distance between a drawn edge and a node's outline: exact for a straight edge, for a curve over
    the segments between `samples` points along it (each within a fraction of a pixel of the curve)."""
    curve = parse_path(path)
    if curve.straight:
        return segment_distance(shape, curve.start, curve.end)
    points = curve.points(samples)
    return min(segment_distance(shape, a, b) for a, b in zip(points, points[1:], strict=False))
