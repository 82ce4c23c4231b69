"""The world map and the bar charts: the shapes decoded and projected from Natural Earth,
every country placed or listed as missing, colours and links that match the kept counts,
tables that hold the same numbers, caches keyed by what they show, bounded queries."""

import csv
import html
import importlib.util
import itertools
import math
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices import charts, shapes, summary
from practices.models import Country, Objective, Region, Status
from practices.selectors import objective_country_counts, region_totals
from tests.records import make

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location(
    "build_world_map", ROOT / "scripts/build_world_map.py"
)
build = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(build)

# In countries.csv but in neither Natural Earth 1:110m nor 1:50m (or left out on purpose).
MISSING = {"AQ", "BV", "CX", "CC", "YT", "GF", "GI", "GP", "MQ", "BQ", "UM", "RE", "SJ", "TK", "TV"}
LINK = re.compile(
    r'<a href="(?P<url>[^"]+)" tabindex="-1"><title>(?P<title>[^<]+)</title>'
    r'<(?:path d="[^"]+"|circle [^>]*?) fill="(?P<fill>#[0-9a-f]{6})"'
    r' data-code="(?P<code>[A-Z]{2})"'
)
ROW = re.compile(
    r'<tr><th scope="row"><a href="(?P<url>[^"]+)">(?P<name>[^<]+)</a></th>'
    r'<td class="num">(?P<count>\d+)</td></tr>'
)


def points_of(d: str) -> list[tuple[int, int]]:
    """The absolute points of a path written as the build script writes it (M x y, then
    relative l steps, z; rings one after another)."""
    found = []
    for ring in re.findall(r"M(-?\d+) ?(-?\d+)l([^z]*)z", d.replace("-", " -")):
        x, y = int(ring[0]), int(ring[1])
        found.append((x, y))
        steps = [int(n) for n in ring[2].split()]
        for dx, dy in zip(steps[::2], steps[1::2], strict=True):
            x, y = x + dx, y + dy
            found.append((x, y))
    return found


def map_of(page: str) -> str:
    start = page.index('<figure class="world-map"')
    return page[start : page.index("</figure>", start)]


def links(page: str) -> dict[str, dict]:
    """Alpha-2 code: the map's link, title and fill for each country with records."""
    return {m["code"]: m.groupdict() for m in LINK.finditer(map_of(page))}


def table(page: str) -> dict[str, int]:
    """Country page: count, as the map's table gives them."""
    part = map_of(page)
    part = part[part.index("<table>") :]
    return {m["url"]: int(m["count"]) for m in ROW.finditer(part)}


def count_in(title: str) -> int:
    return int(re.search(r": (\d+) ", html.unescape(title)).group(1))


# The build script: TopoJSON decoded and projected.


def test_topojson_arcs_are_decoded_from_quantized_deltas():
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [-180, -90]},
        "arcs": [[[0, 0], [2, 4], [-1, 0]], [[10, 20], [0, -4]]],
    }
    assert build.decode_arcs(topology) == [
        [(-180, -90), (-179, -89), (-179.5, -89)],
        [(-175, -85), (-175, -86)],
    ]


def test_a_ring_is_joined_from_its_arcs_a_negative_index_reversed():
    arcs = [[(0, 0), (1, 0), (1, 1)], [(0, 0), (0, 1), (1, 1)]]
    assert build.ring_points([0, ~1], arcs) == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]


def test_natural_earth_projection_keeps_the_origin_and_narrows_towards_the_poles():
    assert build.natural_earth(0, 0) == (0, 0)
    x, y = build.natural_earth(180, 0)
    assert math.isclose(x, math.pi * 0.8707) and y == 0
    assert build.natural_earth(180, 60)[0] < x
    assert build.natural_earth(0, 45)[1] > 0  # y up; the builder turns it down for SVG


def test_a_ring_across_the_antimeridian_is_cut_into_one_ring_each_side():
    ring = [(170, 10), (-170, 10), (-170, 20), (170, 20), (170, 10)]
    parts = build.cut(ring)
    assert len(parts) == 2
    for part in parts:
        lons = {lon for lon, _ in part}
        assert lons <= {170, 180} or lons <= {-180, -170}, part
    assert build.cut([(0, 0), (1, 0), (1, 1), (0, 0)]) == [[(0, 0), (1, 0), (1, 1), (0, 0)]]


def test_simplifying_keeps_an_arcs_ends_and_drops_points_on_a_straight_line():
    arc = [(0, 0), (1, 0.0001), (2, 0), (3, 0.0001), (4, 0)]
    assert build.simplify(arc, 0.01) == [(0, 0), (4, 0)]


# The committed data file.


def test_the_data_file_is_small_and_names_its_source_and_licence():
    assert charts.WORLD.stat().st_size < 150_000
    data = charts.world()
    assert "Natural Earth" in data["about"] and "public domain" in data["licence"]
    assert "ISC" in data["licence"] and data["source"]["package"] == "world-atlas@2.0.2"


def test_a_known_country_has_a_path_within_the_view_box():
    _, _, width, height = charts.world()["viewBox"]
    mexico = points_of(charts.world()["countries"]["MX"])
    assert len(mexico) > 20
    assert all(0 <= x <= width and 0 <= y <= height for x, y in mexico)
    # West of Brazil, north of Chile: the projection is the right way up.
    brazil = points_of(charts.world()["countries"]["BR"])
    chile = points_of(charts.world()["countries"]["CL"])
    assert max(x for x, _ in mexico) < min(x for x, _ in brazil)
    assert min(y for _, y in chile) > min(y for _, y in mexico)


def test_every_path_lies_within_the_view_box():
    data = charts.world()
    _, _, width, height = data["viewBox"]
    for code, d in data["countries"].items():
        assert all(0 <= x <= width and 0 <= y <= height for x, y in points_of(d)), code
    for code, (x, y) in data["points"].items():
        assert 0 <= x <= width and 0 <= y <= height, code


def test_every_country_has_a_shape_or_a_point_or_is_listed_as_missing():
    """Those in neither Natural Earth 1:110m nor 1:50m are listed: small islands and
    overseas departments Natural Earth draws with France, Norway or the Netherlands."""
    with (ROOT / "practices/data/countries.csv").open(encoding="utf-8") as handle:
        codes = {row["alpha2"] for row in csv.DictReader(handle)}
    data = charts.world()
    assert set(data["countries"]) | set(data["points"]) | set(data["missing"]) == codes
    assert not set(data["countries"]) & set(data["points"])
    assert set(data["missing"]) == MISSING


# The scale.


@pytest.mark.parametrize("maximum", [1, 2, 3, 4, 5, 7, 10, 23, 100, 1234])
def test_the_scale_covers_every_count_once_darker_as_it_grows(maximum):
    classes = charts.scale(maximum)
    assert 1 <= len(classes) <= len(charts.PALETTE)
    assert classes[0][0] == 1 and classes[-1][1] == maximum
    for (_, high, _), (low, _, _) in itertools.pairwise(classes):
        assert low == high + 1
    fills = [fill for _, _, fill in classes]
    assert fills == sorted(fills, key=charts.PALETTE.index) and len(set(fills)) == len(fills)
    assert charts.colour(0, classes) == charts.NO_RECORDS


# The map on the pages.

pytestmark = pytest.mark.django_db


def test_home_map_links_each_country_with_records_to_its_page_with_its_count(client):
    page = client.get("/").content.decode()
    linked = links(page)
    counts = summary.summed("countries")
    by_code = {c.alpha2: c for c in Country.objects.filter(pk__in=counts)}
    drawn = set(charts.world()["countries"]) | set(charts.world()["points"])
    assert set(linked) == set(by_code) & drawn
    classes = charts.scale(max(counts.values()))
    philippines = linked["PH"]
    n = counts[by_code["PH"].pk]
    assert philippines["url"] == "/countries/philippines/"
    assert html.unescape(philippines["title"]) == f"Philippines: {n} record{'s' * (n != 1)}"
    for code, link in linked.items():
        count = counts[by_code[code].pk]
        assert count_in(link["title"]) == count
        assert link["fill"] == charts.colour(count, classes), code


def test_a_country_without_records_is_grey_and_no_link(client):
    page = client.get("/").content.decode()
    assert f'fill="{charts.NO_RECORDS}" data-code="GL"' in map_of(page)  # Greenland
    assert "GL" not in links(page)


def test_the_maps_table_holds_the_same_numbers_as_the_map(client):
    for url in ("/", "/objectives/13/"):
        page = client.get(url).content.decode()
        from_map = {link["url"]: count_in(link["title"]) for link in links(page).values()}
        rows = table(page)
        assert from_map and rows
        assert {u: n for u, n in rows.items() if u in from_map} == from_map
        assert set(rows) >= set(from_map)


def test_an_objectives_map_shows_that_objectives_counts(client):
    objective = Objective.objects.get(number=13)
    expected = {
        row["country"].get_absolute_url(): row["count"]
        for row in objective_country_counts(objective)
    }
    assert table(client.get("/objectives/13/").content.decode()) == expected


def test_the_legend_shows_each_step_and_no_records(client):
    part = map_of(client.get("/").content.decode())
    legend = part[
        part.index('<ul class="legend"') : part.index("</ul>", part.index('class="legend"'))
    ]
    counts = summary.summed("countries")
    for _, _, fill in charts.scale(max(counts.values())):
        assert f'fill="{fill}"' in legend
    assert "No records" in legend


def test_the_map_follows_a_write(client):
    """The cached map belongs to a generation: a new record naming Greenland shows."""
    assert "GL" not in links(client.get("/").content.decode())
    make(
        slug="greenland-practice",
        status=Status.PUBLISHED,
        relations={"countries": [Country.objects.get(alpha2="GL")]},
    )
    linked = links(client.get("/").content.decode())
    assert count_in(linked["GL"]["title"]) == 1


def test_the_cached_map_is_kept_per_language(client):
    """The map's fragment is cached per language: titles and table in the page's."""
    english = links(client.get("/").content.decode())
    french_page = client.get("/fr/").content.decode()
    french = links(french_page)
    n = count_in(english["MX"]["title"])
    assert html.unescape(english["MX"]["title"]) == f"Mexico: {n} record{'s' * (n != 1)}"
    assert html.unescape(french["MX"]["title"]) == f"Mexique : {n} fiche{'s' * (n > 1)}"
    assert table(french_page)["/fr/countries/mexico/"] == n
    assert ">Mexique</a>" in map_of(french_page)


def test_the_cached_map_of_one_objective_is_not_served_for_another(client):
    maps = {n: table(client.get(f"/objectives/{n}/").content.decode()) for n in (13, 6, 13)}
    for number in (13, 6):
        objective = Objective.objects.get(number=number)
        expected = {
            row["country"].get_absolute_url(): row["count"]
            for row in objective_country_counts(objective)
        }
        assert maps[number] == expected
    assert maps[13] != maps[6]


# Charts.


def bars_of(page: str, chart_id: str) -> dict[str, int]:
    start = page.index(f'<figure class="bar-chart" aria-labelledby="{chart_id}-caption"')
    part = page[start : page.index("</figure>", start)]
    rows = re.findall(
        r'<tr(?: class="current")?><th scope="row">(?:<a href="[^"]+">)?([^<]+)(?:</a>)?</th>'
        r'<td class="num">(\d+)</td></tr>',
        part,
    )
    drawn = re.findall(r'fill="#1b1f24">(\d+)</text></g>', part)
    assert [int(n) for n in drawn] == [int(n) for _, n in rows]  # the bars say the table's
    assert 'role="img"' in part and f'id="{chart_id}-caption"' in part
    return {html.unescape(name): int(n) for name, n in rows}


def test_home_charts_show_the_records_per_region_and_per_objective(client):
    page = client.get("/").content.decode()
    regions = bars_of(page, "region-chart")
    assert regions == {row["region"].name: row["records_count"] for row in region_totals()}
    objectives = bars_of(page, "objective-chart")
    assert len(objectives) == 23
    counted = summary.summed("objectives")
    for objective in Objective.objects.all():
        assert objectives[f"{objective.number}. {objective.title}"] == counted.get(objective.pk, 0)


def test_bar_lengths_are_proportional_to_the_counts():
    chart = charts.bar_chart(
        [{"label": str(n), "name": str(n), "count": n, "url": None} for n in (0, 5, 10)]
    )
    zero, half, full = chart["bars"]
    assert zero["width"] == 0 and abs(full["width"] - 2 * half["width"]) <= 1
    assert full["x"] + full["width"] < charts.WIDTH


def test_objective_page_charts_its_records_per_region(client):
    page = client.get("/objectives/13/").content.decode()
    objective = Objective.objects.get(number=13)
    regions = Region.objects.filter(level=Region.Level.REGION)
    cells = summary.region_coverage([r.pk for r in regions])
    assert bars_of(page, "region-chart") == {
        r.name: cells.get((r.pk, objective.pk), 0) for r in regions
    }


def test_region_page_charts_its_objectives_and_its_sub_regions(client):
    page = client.get("/regions/asia/").content.decode()
    asia = Region.objects.get(slug="asia")
    coverage = summary.region_coverage([asia.pk])
    objectives = bars_of(page, "objective-chart")
    for objective in Objective.objects.all():
        key = f"{objective.number}. {objective.title}"
        assert objectives[key] == coverage.get((asia.pk, objective.pk), 0)
    places = bars_of(page, "place-chart")
    assert set(places) == set(asia.children.values_list("name", flat=True))


def test_the_cached_charts_of_one_region_are_not_served_for_another(client):
    asia = bars_of(client.get("/regions/asia/").content.decode(), "place-chart")
    americas = bars_of(client.get("/regions/americas/").content.decode(), "place-chart")
    assert "South-eastern Asia" in asia and "South-eastern Asia" not in americas
    assert "Latin America and the Caribbean" in americas


def test_a_region_without_sub_regions_charts_its_countries_with_records(client):
    page = client.get("/regions/south-eastern-asia/").content.decode()
    places = bars_of(page, "place-chart")
    assert places["Philippines"] >= 1 and all(n > 0 for n in places.values())


def test_pages_with_charts_have_no_inline_style_or_script(client):
    for url in ("/", "/objectives/13/", "/regions/asia/"):
        page = client.get(url).content.decode()
        assert " style=" not in page and "<style" not in page, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url


# What the pages cost.


def queries(client, url) -> int:
    cache.clear()
    shapes.forget()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/", "/objectives/13/", "/regions/asia/"])
def test_map_and_chart_pages_query_count_does_not_grow_with_the_catalogue(client, url):
    places = list(Country.objects.filter(alpha2__in=["GT", "KE", "VN", "FR", "SG"]))
    goals = list(Objective.objects.filter(number__in=[1, 13]))
    make(slug="charts-one", status=Status.PUBLISHED, relations={"countries": places[:1]})
    before = queries(client, url)
    for n in range(12):
        make(
            slug=f"charts-more-{n}",
            status=Status.PUBLISHED,
            relations={"countries": places, "objectives": goals},
        )
    assert queries(client, url) == before


def test_a_warm_home_page_reads_no_counts_for_its_map(client):
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    assert not [q for q in captured.captured_queries if "recordcount" in q["sql"].lower()]


def test_an_empty_catalogue_draws_every_country_grey_with_no_legend(monkeypatch):
    monkeypatch.setattr(charts, "world_counts", lambda objective=None: {})
    drawn = charts.world_map()
    assert drawn["rows"] == [] and drawn["legend"] == [] and drawn["points"] == []
    assert {shape["fill"] for shape in drawn["shapes"]} == {charts.NO_RECORDS}
    assert not any("url" in shape for shape in drawn["shapes"])
    empty = charts.bar_chart([{"label": "1", "name": "1. A", "count": 0, "url": None}])
    assert empty["bars"][0]["width"] == 0
