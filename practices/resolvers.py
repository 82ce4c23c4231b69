"""Turn the names reports write ("Viet Nam", "PH", "CAR", "Saudi") into catalogue rows.

Every loader and import resolves countries and organisations here, so that a name
means the same thing everywhere. An unknown or ambiguous name is an error that names
the name and where it was found: never a silent skip, never a guess.
"""

import re
import unicodedata
from collections.abc import Iterable


class UnknownName(ValueError):
    """A name that resolves to nothing, or to more than one thing."""


def normalise(name: str) -> str:
    """Fold case, accents and punctuation: "Türkiye" and "turkiye" are one name."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = re.sub(r"[^0-9a-z]+", " ", plain.casefold().replace("'", "").replace("\u2019", ""))
    return re.sub(r"^the ", "", words.strip())


class NameIndex:
    """Names to keys, refusing names that two keys claim."""

    def __init__(self, what: str, entries: Iterable[tuple[str, Iterable[str]]]):
        self.what = what
        self._keys: dict[str, str] = {}
        self._ambiguous: dict[str, set[str]] = {}
        for key, names in entries:
            for name in names:
                self._add(normalise(name), key)

    def _add(self, name: str, key: str) -> None:
        if not name:
            return
        if name in self._ambiguous:
            self._ambiguous[name].add(key)
        elif self._keys.get(name, key) != key:
            self._ambiguous[name] = {self._keys.pop(name), key}
        else:
            self._keys[name] = key

    def resolve(self, name: str, *, where: str = "") -> str:
        """The key for a name; UnknownName, naming the name and `where`, otherwise."""
        place = f" in {where}" if where else ""
        normal = normalise(str(name))
        if normal in self._ambiguous:
            keys = ", ".join(sorted(self._ambiguous[normal]))
            raise UnknownName(f'Ambiguous {self.what} "{name}"{place}: it could be {keys}.')
        try:
            return self._keys[normal]
        except KeyError:
            raise UnknownName(f'Unknown {self.what} "{name}"{place}.') from None


def country_index(countries: Iterable) -> NameIndex:
    """Resolve ISO codes, names, official names and alternative names to alpha-2 codes."""
    return NameIndex(
        "country",
        (
            (
                country.alpha2,
                [
                    country.alpha2,
                    country.alpha3,
                    country.name,
                    country.official_name,
                    *country.alternative_names,
                ],
            )
            for country in countries
        ),
    )


def organisation_index(organisations: Iterable) -> NameIndex:
    """Resolve slugs, names, acronyms and aliases to organisation slugs."""
    return NameIndex(
        "organisation",
        ((org.slug, [org.slug, org.name, org.acronym, *org.aliases]) for org in organisations),
    )
