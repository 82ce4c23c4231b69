"""Regenerate practices/data/world-110m.json: the world map's country shapes as SVG paths.

The shapes are Natural Earth's Admin 0 countries (public domain) as the npm package
world-atlas 2.0.2 redistributes them in TopoJSON (ISC licence, Michael Bostock). This
script decodes the TopoJSON arcs, projects them (Natural Earth I), simplifies each arc
(so that neighbours keep one shared border) and writes one SVG path per ISO 3166 alpha-2
code, looked up by numeric code in practices/data/countries.csv. Countries too small for
the 1:110m file are placed as a point from the 1:50m one; what is in neither is listed.

It runs once, with the standard library alone, and the app reads the committed file:

    python scripts/build_world_map.py                      # downloads the npm tarball
    python scripts/build_world_map.py world-atlas-2.0.2.tgz  # or `npm pack world-atlas@2.0.2`
"""

import csv
import hashlib
import io
import itertools
import json
import math
import sys
import tarfile
import urllib.request
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "practices" / "data"
OUT = DATA / "world-110m.json"
PACKAGE = "world-atlas-2.0.2.tgz"
URL = f"https://registry.npmjs.org/world-atlas/-/{PACKAGE}"
SHA256 = "032e7765f2ce00edaeafec23ff22bc3b77e42987c257da944cc585b452c05b97"
WIDTH = 1000  # of the viewBox; coordinates are written as whole units of it
TOLERANCE = 0.7  # how far (in units) a simplified border may stray from Natural Earth's
SMALLEST_ISLAND = 3.0  # square units: smaller rings are dropped, unless a country's largest
LEFT_OUT = {"010": "Antarctica: left out, it would take a fifth of the map's height"}


def tarball(argv: list[str]) -> bytes:
    """The pinned world-atlas package, from a file given or from the npm registry."""
    if argv:
        content = Path(argv[0]).read_bytes()
    else:
        with urllib.request.urlopen(URL, timeout=60) as response:
            content = response.read()
    if hashlib.sha256(content).hexdigest() != SHA256:
        sys.exit(f"{PACKAGE}: unexpected SHA-256, not the pinned package")
    return content


def topology(content: bytes, name: str) -> dict:
    with tarfile.open(fileobj=io.BytesIO(content)) as archive:
        return json.load(archive.extractfile(f"package/{name}"))


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """The arcs in longitude and latitude: quantized positions are deltas from the last."""
    (kx, ky), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * kx + tx, y * ky + ty))
        arcs.append(points)
    return arcs


def natural_earth(lon: float, lat: float) -> tuple[float, float]:
    """The Natural Earth I projection (Šavrič et al., 2011), as d3-geo writes it; y up."""
    lam, phi = math.radians(lon), math.radians(lat)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (
        0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))
    )
    y = phi * (
        1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4))
    )
    return x, y


def simplify(arc: list, tolerance: float) -> list:
    """An arc of (longitude, latitude) with fewer points: Douglas–Peucker on the projected
    points, keeping both ends (where it meets its neighbours) and both sides of a jump
    across the antimeridian."""
    pieces, start = [], 0
    for i in range(1, len(arc)):
        if abs(arc[i][0] - arc[i - 1][0]) > 180:
            pieces.append(arc[start:i])
            start = i
    pieces.append(arc[start:])
    return [point for piece in pieces for point in _douglas_peucker(piece, tolerance)]


def _douglas_peucker(points: list, tolerance: float) -> list:
    if len(points) < 3:
        return points
    flat = [natural_earth(lon, lat) for lon, lat in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = flat[first], flat[last]
        length = math.hypot(bx - ax, by - ay)
        farthest, index = 0.0, None
        for i in range(first + 1, last):
            px, py = flat[i]
            if length:
                d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            else:
                d = math.hypot(px - ax, py - ay)
            if d > farthest:
                farthest, index = d, i
        if index is not None and farthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def cut(ring: list) -> list[list]:
    """A ring crossing the antimeridian (Russia's, Fiji's) as two rings, one each side."""
    if all(abs(b[0] - a[0]) <= 180 for a, b in itertools.pairwise(ring)):
        return [ring]
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        lon += 360 * round((previous - lon) / 360)
        unwrapped.append((lon, lat))
    edge = 180 if max(lon for lon, _ in unwrapped) > 180 else -180
    west = _clip(unwrapped, edge, keep_below=True)
    east = _clip(unwrapped, edge, keep_below=False)
    shift = -360 if edge == 180 else 360
    if edge == 180:
        east = [(lon + shift, lat) for lon, lat in east]
    else:
        west = [(lon + shift, lat) for lon, lat in west]
    return [part for part in (west, east) if len(part) > 3]


def _clip(ring: list, edge: float, keep_below: bool) -> list:
    """Sutherland–Hodgman: the part of a ring on one side of the meridian `edge`."""
    inside = (lambda p: p[0] <= edge) if keep_below else (lambda p: p[0] >= edge)
    clipped = []
    for a, b in itertools.pairwise(ring + ring[:1]):
        if inside(a):
            clipped.append(a)
        if inside(a) != inside(b):
            t = (edge - a[0]) / (b[0] - a[0])
            clipped.append((edge, a[1] + t * (b[1] - a[1])))
    return clipped + clipped[:1]


def ring_points(ring: list[int], arcs: list) -> list:
    """A ring's points from its arcs (~i: arc i reversed), each junction once."""
    points = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points += arc[1:] if points else arc
    return points


def area(points: list) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(points))) / 2


def path(rings: list[list]) -> str:
    """An SVG path of whole-unit rings: an absolute move, then relative lines."""
    parts = []
    for ring in rings:
        (x, y), *rest = ring
        steps = []
        for px, py in rest:
            if (px, py) != (x, y):
                steps.append(f"{px - x} {py - y}")
                x, y = px, py
        parts.append(f"M{ring[0][0]} {ring[0][1]}l{' '.join(steps)}z")
    return "".join(parts).replace(" -", "-")


def polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def shapes(topo: dict) -> tuple[dict[str | None, list], tuple, tuple]:
    """Numeric code (None: a shape without one): its rings in whole units; the viewBox's
    size; and the frame (left, top, scale) that placed them."""
    arcs = decode_arcs(topo)
    kept = [g for g in topo["objects"]["countries"]["geometries"] if g.get("id") not in LEFT_OUT]
    used = {i if i >= 0 else ~i for g in kept for p in polygons(g) for r in p for i in r}
    flat = [natural_earth(lon, lat) for i in used for lon, lat in arcs[i]]
    xs, ys = [x for x, _ in flat], [y for _, y in flat]
    scale = (WIDTH - 2) / (max(xs) - min(xs))
    left, top = min(xs), max(ys)

    def place(lon: float, lat: float) -> tuple[int, int]:
        x, y = natural_earth(lon, lat)
        return (round((x - left) * scale + 1), round((top - y) * scale + 1))

    arcs = [simplify(arc, TOLERANCE / scale) for arc in arcs]
    found: dict[str | None, list] = {}
    for geometry in kept:
        rings = [
            [place(lon, lat) for lon, lat in part]
            for polygon in polygons(geometry)
            for ring in polygon
            for part in cut(ring_points(ring, arcs))
        ]
        largest = max(rings, key=area)
        rings = [r for r in rings if r is largest or area(r) >= SMALLEST_ISLAND]
        found.setdefault(geometry.get("id"), []).extend(rings)
    height = math.ceil((top - min(ys)) * scale) + 2
    return found, (WIDTH, height), (left, top, scale)


def points(topo: dict, frame: tuple, wanted: set[str]) -> dict[str, list[int]]:
    """Numeric code: where a country missing from the 1:110m file lies (the middle of its
    largest ring in the 1:50m file), in the map's units."""
    left, top, scale = frame
    arcs = decode_arcs(topo)
    found = {}
    for geometry in topo["objects"]["countries"]["geometries"]:
        if geometry.get("id") not in wanted:
            continue
        rings = [ring_points(polygon[0], arcs) for polygon in polygons(geometry)]
        largest = max(rings, key=area)
        lon = sum(x for x, _ in largest) / len(largest)
        lat = sum(y for _, y in largest) / len(largest)
        x, y = natural_earth(lon, lat)
        found[geometry["id"]] = [round((x - left) * scale + 1), round((top - y) * scale + 1)]
    return found


def main(argv: list[str]) -> None:
    content = tarball(argv)
    countries = list(csv.DictReader((DATA / "countries.csv").open(encoding="utf-8")))
    alpha2 = {row["numeric"]: row["alpha2"] for row in countries}
    found, (width, height), frame = shapes(topology(content, "countries-110m.json"))
    small = points(
        topology(content, "countries-50m.json"), frame, set(alpha2) - set(found) - set(LEFT_OUT)
    )
    unattributed = [ring for code, rings in found.items() if code not in alpha2 for ring in rings]
    data = {
        "about": (
            "Country shapes of the catalogue's world map, made by scripts/build_world_map.py. "
            "Made with Natural Earth (public domain, naturalearthdata.com): Admin 0 "
            "countries 1:110m (points: 1:50m), version 4.1.0, as redistributed in TopoJSON "
            "by the npm package world-atlas 2.0.2 (ISC licence, Copyright 2013-2019 Michael "
            "Bostock, github.com/topojson/world-atlas). Projection: Natural Earth I; "
            "borders simplified (Douglas-Peucker) to whole units of the viewBox."
        ),
        "source": {"package": "world-atlas@2.0.2", "url": URL, "sha256": SHA256},
        "licence": "Natural Earth: public domain; world-atlas: ISC",
        "projection": "Natural Earth I",
        "viewBox": [0, 0, width, height],
        "countries": {
            alpha2[code]: path(rings)
            for code, rings in sorted(found.items(), key=str)
            if code in alpha2
        },
        "points": {alpha2[code]: small[code] for code in sorted(small)},
        "unattributed": path(unattributed),
        "missing": {
            alpha2[code]: LEFT_OUT.get(code, "in neither Natural Earth 1:110m nor 1:50m")
            for code in sorted(set(alpha2) - set(found) - set(small))
        },
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(
        f"Wrote {OUT.name}: {len(data['countries'])} shapes, {len(data['points'])} points, "
        f"{len(data['missing'])} missing, {OUT.stat().st_size // 1024} KB"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
