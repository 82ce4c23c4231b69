"""How a record is cited: one producer for the record's page and the CSV's column."""


def citation_text(*, title: str, section: str, source: str, permalink: str) -> str:
    """The record's title, its section, its source's citation, and its stable link."""
    section = f" ({section})" if section else ""
    return f"“{title}”{section}. In: {source} GFMD Practice Catalogue, {permalink}"
