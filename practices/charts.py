"""The world map and the bar charts of the public pages, drawn on the server as SVG.

The map's country shapes are Natural Earth's, projected and simplified once by
scripts/build_world_map.py into practices/data/world-110m.json; here each country is
coloured by its published records on a few-step sequential scale (ColorBrewer's Blues,
safe for colour-blind readers), a country with records a link to its page. Counts come
from practices.summary, never from the records. The pages cache the rendered fragments
per catalogue generation and language (templates/practices/_world_map.html's callers).

Colours are presentation attributes (fill="..."): the Content-Security-Policy forbids
inline styles, and the SVG then reads the same wherever it is copied.
"""

import functools
import json
import math
from pathlib import Path

from django.urls import reverse
from django.utils.translation import get_language, gettext, ngettext

from practices import summary
from practices.models import Country, Region

WORLD = Path(__file__).resolve().parent / "data" / "world-110m.json"
# ColorBrewer Blues (sequential, colour-blind safe), lightest to darkest.
PALETTE = ("#9ecae1", "#4292c6", "#2166ac", "#08306b")
NO_RECORDS = "#e8e8e8"
POINT_RADIUS = 4  # countries too small for the 1:110m shapes are drawn as a dot
BAR = "#0a4f96"  # the site's accent
HIGHLIGHT = "#b35900"


@functools.cache
def world() -> dict:
    """The committed shapes: viewBox, a path per alpha-2 code, points, what is missing."""
    return json.loads(WORLD.read_text(encoding="utf-8"))


def nice(value: float) -> int:
    """The smallest of 1, 2, 3, 5 times a power of ten not below `value`."""
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 3, 5, 10) if step * power >= value)


def scale(maximum: int, steps: int = len(PALETTE)) -> list[tuple[int, int, str]]:
    """The legend's classes for counts up to `maximum`: (lowest, highest, colour), one per
    count when there are few, else bounds growing by a roughly equal ratio."""
    if maximum <= 0:
        return []
    if maximum <= steps:
        bounds = list(range(1, maximum + 1))
    else:
        bounds = [1]
        for k in range(1, steps):
            bound = nice(maximum ** (k / steps))
            if bounds[-1] < bound <= maximum:
                bounds.append(bound)
    highs = [b - 1 for b in bounds[1:]] + [maximum]
    n = len(bounds)
    colours = (
        [PALETTE[round(i * (steps - 1) / (n - 1))] for i in range(n)] if n > 1 else [PALETTE[2]]
    )
    return list(zip(bounds, highs, colours, strict=True))


def colour(count: int, classes: list[tuple[int, int, str]]) -> str:
    for low, high, fill in classes:
        if low <= count <= high:
            return fill
    return NO_RECORDS


def records_label(count: int) -> str:
    return ngettext("%(count)s record", "%(count)s records", count) % {"count": count}


def world_counts(objective=None) -> dict[int, int]:
    """Country id: its published records (of every kind), on `objective` when given."""
    if objective is None:
        return summary.summed("countries")
    return {country: n for (country, _), n in summary.coverage(objective=objective.pk).items()}


def world_map(objective=None) -> dict:
    """The map of published records by country (on `objective` when given): its shapes
    and dots with their colour, link and title, its legend, and the same numbers as rows
    for the table that stands in for it."""
    counts = world_counts(objective)
    language = (get_language() or "en")[:2]
    countries = Country.objects.only("alpha2", "slug", "name", "name_fr", "name_es").in_bulk(
        list(counts)
    )
    classes = scale(max(counts.values(), default=0))
    by_code = {}
    rows = []
    for pk, count in counts.items():
        country = countries[pk]
        name = country.localized_name(language)
        url = country.get_absolute_url()
        by_code[country.alpha2] = {
            "fill": colour(count, classes),
            "url": url,
            "title": gettext("%(country)s: %(records)s")
            % {"country": name, "records": records_label(count)},
        }
        rows.append({"name": name, "url": url, "count": count, "code": country.alpha2})
    rows.sort(key=lambda row: (-row["count"], row["name"]))
    data = world()
    shapes = [
        {"code": code, "d": d, **by_code.get(code, {"fill": NO_RECORDS})}
        for code, d in data["countries"].items()
    ]
    shapes.sort(key=lambda shape: "url" in shape)  # countries with records drawn last, on top
    points = [
        {"code": code, "x": x, "y": y, "r": POINT_RADIUS, **by_code[code]}
        for code, (x, y) in data["points"].items()
        if code in by_code
    ]
    legend = [
        {"fill": fill, "label": str(low) if low == high else f"{low}–{high}"}
        for low, high, fill in classes
    ]
    return {
        "viewbox": " ".join(str(n) for n in data["viewBox"]),
        "shapes": shapes,
        "points": points,
        "unattributed": data["unattributed"],
        "legend": legend,
        "no_records": NO_RECORDS,
        "rows": rows,
    }


# Bar charts: one bar per row, its count written at its end; the same rows as a table.

WIDTH = 360  # of the viewBox; the chart is drawn at most some 30rem wide (site.css)
FONT = 13
SIDE_LABEL = 28  # room for labels of up to three characters left of the bars
COUNT_ROOM = 40  # room for the count right of the longest bar
LONGEST_LABEL = 44


def bar_chart(rows: list[dict]) -> dict:
    """A horizontal bar chart of rows {"label", "name", "count", "url", "current"}:
    short labels (objective numbers) stand left of their bar, longer ones above it."""
    side = all(len(row["label"]) <= 3 for row in rows)
    left = SIDE_LABEL + 4 if side else 0
    room = WIDTH - left - COUNT_ROOM
    step = 20 if side else 36
    maximum = max((row["count"] for row in rows), default=0)
    bars = []
    for i, row in enumerate(rows):
        top = 4 + i * step + (0 if side else FONT + 4)
        width = round(room * row["count"] / maximum) if maximum else 0
        label = row["label"]
        if len(label) > LONGEST_LABEL:
            label = label[: LONGEST_LABEL - 1].rstrip() + "…"
        bars.append(
            {
                **row,
                "label": label,
                "x": left,
                "y": top,
                "width": max(width, 1) if row["count"] else 0,
                "height": 14,
                "label_x": SIDE_LABEL if side else 0,
                "label_y": top + 11 if side else top - 5,
                "count_x": left + width + 4,
                "count_y": top + 11,
                "fill": HIGHLIGHT if row.get("current") else BAR,
            }
        )
    height = 4 + len(rows) * step + 4
    return {"viewbox": f"0 0 {WIDTH} {height}", "bars": bars, "side": side, "font": FONT}


def objective_rows(objectives, current=None) -> list[dict]:
    """The 23 objectives (objective_list()'s, with records_count) as chart rows."""
    return [
        {
            "label": str(objective.number),
            "name": f"{objective.number}. {objective.localized_name()}",
            "count": objective.records_count,
            "url": objective.get_absolute_url(),
            "current": objective == current,
        }
        for objective in objectives
    ]


def coverage_rows(coverage) -> list[dict]:
    """A region's coverage (selectors.region_coverage()) as chart rows."""
    return [
        {
            "label": str(row["number"]),
            "name": f"{row['number']}. {row['title']}",
            "count": row["count"],
            "url": row["url"] if row["count"] else None,
        }
        for row in coverage
    ]


def region_rows(totals) -> list[dict]:
    """The M49 regions (selectors.region_totals()) as chart rows."""
    return [
        {
            "label": row["region"].localized_name(),
            "name": row["region"].localized_name(),
            "count": row["records_count"],
            "url": reverse("practices:region-detail", args=[row["region"].slug]),
        }
        for row in totals
    ]


def objective_region_rows(objective) -> list[dict]:
    """The M49 regions, each with the published records naming one of its countries and
    the objective (each record once per region), from practices.summary."""
    regions = list(Region.objects.filter(level=Region.Level.REGION).order_by("name"))
    cells = summary.region_coverage([region.pk for region in regions])
    search = reverse("practices:search")
    rows = []
    for region in regions:
        count = cells.get((region.pk, objective.pk), 0)
        rows.append(
            {
                "label": region.localized_name(),
                "name": region.localized_name(),
                "count": count,
                "url": f"{search}?region={region.code}&objective={objective.number}"
                if count
                else None,
            }
        )
    return rows


def place_rows(children, countries) -> list[dict]:
    """Within a region: its sub-regions' records when it has any (`children`), else its
    countries with records (region_country_counts()'s, most first), as chart rows."""
    if children:
        counted = summary.summed(children[0].level, targets=[child.pk for child in children])
        return [
            {
                "label": child.localized_name(),
                "name": child.localized_name(),
                "count": counted.get(child.pk, 0),
                "url": reverse("practices:region-detail", args=[child.slug]),
            }
            for child in children
        ]
    language = (get_language() or "en")[:2]
    named = sorted(
        (c for c in countries if c.records_count), key=lambda c: (-c.records_count, c.name)
    )
    return [
        {
            "label": country.localized_name(language),
            "name": country.localized_name(language),
            "count": country.records_count,
            "url": country.get_absolute_url(),
        }
        for country in named
    ]
