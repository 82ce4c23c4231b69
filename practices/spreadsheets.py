"""Spreadsheet cells that stay text: OWASP's rule against formula (CSV) injection.

Excel, LibreOffice and Google Sheets read a cell that starts with =, +, -, @, a tab or a
carriage return as a formula, so a record's text such as =HYPERLINK("http://x","y") would
run on the reader's machine. Every CSV and XLSX the app writes passes its cells through
escape_formula(), which puts a "'" in front of such a cell (a number like -5 included:
the rule stays simple); the import passes its cells through unescape_formula(), which takes
exactly that "'" off again, so that exporting and importing a record changes nothing.
"""

TRIGGERS = frozenset("=+-@\t\r")
QUOTE = "'"


def starts_a_formula(text: str) -> bool:
    """Whether `text`, once any leading quotes are set aside, starts with a trigger.

    Quotes are set aside so that a text which already starts with "'=" is quoted once
    more on export and comes back from import as it was.
    """
    return text.lstrip(QUOTE)[:1] in TRIGGERS


def escape_formula(text: str) -> str:
    """The cell to write for `text`: quoted when a spreadsheet would run it."""
    return QUOTE + text if starts_a_formula(text) else text


def unescape_formula(text: str) -> str:
    """The text a written cell stands for: escape_formula() undone, nothing else."""
    if text.startswith(QUOTE) and starts_a_formula(text):
        return text[1:]
    return text
