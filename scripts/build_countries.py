"""Regenerate practices/data/countries.csv from maintained packages.

ISO 3166-1 codes and names come from pycountry; UN M49 region, sub-region and
intermediate region come from hdx-python-country (OCHA's countries and territories
taxonomy). Nothing is typed by hand. Run it in a separate virtualenv:

    python -m venv /tmp/build && /tmp/build/bin/pip install -r requirements-build.txt
    /tmp/build/bin/python scripts/build_countries.py
"""

import csv
from pathlib import Path

import pycountry
from hdx.location.country import Country

OUT = Path(__file__).resolve().parent.parent / "practices" / "data" / "countries.csv"

FIELDS = [
    "alpha2",
    "alpha3",
    "numeric",
    "name",
    "official_name",
    "name_fr",
    "name_es",
    "region_code",
    "region_name",
    "subregion_code",
    "subregion_name",
    "intermediate_code",
    "intermediate_name",
    "alternative_names",
]

# Columns of the OCHA taxonomy that hold other English names of a country.
HDX_NAME_COLUMNS = [
    "Preferred Term",
    "ISO Alt Term",
    "DGACM Alt Term",
    "RW Short Name",
    "RW API Alt Term",
    "English Short",
    "English Formal",
    "M49 English",
]


def m49(code: str | None) -> str:
    """M49 codes are three digits ("19" is written "019")."""
    return f"{int(code):03d}" if code else ""


def alternative_names(iso, hdx: dict, name: str) -> list[str]:
    """Every other English name the packages know, without duplicates."""
    candidates = [getattr(iso, "common_name", None), iso.name, getattr(iso, "official_name", None)]
    candidates += [hdx.get(column) for column in HDX_NAME_COLUMNS]
    seen, names = {name.casefold()}, []
    for candidate in candidates:
        if not candidate:
            continue
        candidate = candidate.removeprefix("the ").strip()
        if candidate.casefold() not in seen:
            seen.add(candidate.casefold())
            names.append(candidate)
    return names


# French and Spanish names OCHA's table leaves empty, in the form of the English one (ISO
# 3166's "Taiwan, Province of China"): every country has its names in all three languages
# (tests/practices/test_reference_translations.py).
MISSING_NAMES = {"TW": ("Taïwan (Province de Chine)", "Taiwán (Provincia de China)")}


def rows():
    data = Country.countriesdata(use_live=False)["countries"]
    for iso in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        hdx = data[iso.alpha_3]
        name = hdx.get("Preferred Term") or iso.name
        yield {
            "alpha2": iso.alpha_2,
            "alpha3": iso.alpha_3,
            "numeric": iso.numeric,
            "name": name,
            "official_name": getattr(iso, "official_name", "") or "",
            "name_fr": hdx.get("M49 French")
            or hdx.get("French Short")
            or MISSING_NAMES.get(iso.alpha_2, ("", ""))[0],
            "name_es": hdx.get("M49 Spanish")
            or hdx.get("Spanish Short")
            or MISSING_NAMES.get(iso.alpha_2, ("", ""))[1],
            "region_code": m49(hdx.get("Region Code")),
            "region_name": hdx.get("Region Name") or "",
            "subregion_code": m49(hdx.get("Sub-region Code")),
            "subregion_name": hdx.get("Sub-region Name") or "",
            "intermediate_code": m49(hdx.get("Intermediate Region Code")),
            "intermediate_name": hdx.get("Intermediate Region Name") or "",
            "alternative_names": "|".join(alternative_names(iso, hdx, name)),
        }


def main():
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        count = 0
        for row in rows():
            writer.writerow(row)
            count += 1
    print(f"Wrote {count} countries to {OUT}")


if __name__ == "__main__":
    main()
