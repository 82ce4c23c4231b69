"""The rows measured: the API, the floors it is compared with, and the pages.

Each API endpoint and each page is measured twice: as served (one URL repeated, so
whatever the app caches is warm) and *uncached*, where lua/unique.lua gives every request a
query parameter of its own (`_bench=<thread>-<n>`), so that no cache keyed by the URL
answers. The floors (bench/floor.py) cache nothing: they are measured once. Each API row
names the floor its requests per second are divided by.
"""

from dataclasses import dataclass, replace

FLOORS = ("floor", "floor_detail", "floor_search")


@dataclass(frozen=True)
class Endpoint:
    name: str
    label: str
    path: str
    kind: str  # "api", "floor" or "page"
    floor: str | None = None  # the floor this row's req/s are divided by
    uncached: bool = False
    base: str = ""  # the as-served row an uncached one is a variant of

    @property
    def api(self) -> bool:
        return self.kind == "api"

    def variant(self) -> "Endpoint":
        name, label = f"{self.name}_uncached", f"{self.label}, uncached"
        return replace(self, name=name, label=label, uncached=True, base=self.name)

    def unique_path(self, value: str) -> str:
        """The path with a parameter of its own, for the uncached variant."""
        if not self.uncached:
            return self.path
        return self.path + ("&" if "?" in self.path else "?") + f"_bench={value}"


def base_endpoints(facts: dict) -> list[Endpoint]:
    """Every row as served, with the parameters chosen from the data."""
    code, number = facts["country"]["code"], facts["objective"]["number"]
    slug = facts["detail_slug"]
    return [
        Endpoint("api_list", "API list", "/api/practices/", "api", "floor"),
        Endpoint(
            "api_filtered",
            "API filtered list",
            f"/api/practices/?country={code}&objective={number}",
            "api",
            "floor",
        ),
        Endpoint("api_detail", "API detail", f"/api/practices/{slug}/", "api", "floor_detail"),
        Endpoint("api_search", "API search", "/api/practices/?q=detention", "api", "floor_search"),
        Endpoint(
            "api_facets",
            "API facets",
            "/api/practices/?facets=country,objective,theme,year&page_size=1",
            "api",
            "floor",
        ),
        Endpoint("floor", "Floor: list", "/bench/floor/practices/", "floor", "floor"),
        Endpoint(
            "floor_detail", "Floor: detail", f"/bench/floor/practices/{slug}/", "floor", "floor"
        ),
        Endpoint(
            "floor_search", "Floor: search", "/bench/floor/search/?q=detention", "floor", "floor"
        ),
        Endpoint("html_home", "Page: home", "/", "page"),
        Endpoint(
            "html_country",
            "Page: country profile",
            f"/countries/{facts['country']['slug']}/",
            "page",
        ),
        Endpoint("html_objective", "Page: objective", "/objectives/7/", "page"),
        Endpoint(
            "html_filtered",
            "Page: filtered practices",
            f"/practices/?country={code}&objective={number}",
            "page",
        ),
        Endpoint("html_search", "Page: search", "/search/?q=detention", "page"),
        Endpoint("html_coverage", "Page: coverage matrix", "/coverage/", "page"),
        Endpoint("html_region", "Page: region", f"/regions/{facts['region_slug']}/", "page"),
        Endpoint(
            "html_compare",
            "Page: comparison",
            f"/compare/?countries={code},{facts['peer_code']}",
            "page",
        ),
        Endpoint(
            "html_plan",
            "Page: plan sheet",
            f"/countries/{facts['country']['slug']}/plan/",
            "page",
        ),
    ]


def endpoints_for(facts: dict) -> list[Endpoint]:
    """The rows measured, each API endpoint and page followed by its uncached variant."""
    result = []
    for endpoint in base_endpoints(facts):
        result.append(endpoint)
        if endpoint.kind != "floor":
            result.append(endpoint.variant())
    return result


def select(endpoints: list[Endpoint], only: str) -> list[Endpoint]:
    """The rows `--only` names (as-served names; their uncached variants come along), with
    the list floor always and the floor of each API row chosen."""
    wanted = {name.strip() for name in only.split(",") if name.strip()} - {"export"}
    known = {e.name for e in endpoints if not e.uncached}
    if wanted - known:
        raise ValueError(f"unknown endpoints for --only: {sorted(wanted - known)}")
    floors = {"floor"} | {e.floor for e in endpoints if e.name in wanted and e.api}
    return [e for e in endpoints if (e.base or e.name) in wanted | floors]
