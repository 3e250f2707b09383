"""Cells a spreadsheet would run as a formula are written as text (CSV or formula injection).

OWASP's advice: a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a single
quote in front, so Excel, LibreOffice and Google Sheets show it as text instead of evaluating it.

Every string that begins with one of those characters is prefixed, negative numbers in text too
(`"-5"` becomes `'-5`): telling a genuine number from a formula such as `-2+3` or
`-1+cmd|' /C calc'!A0` needs a parser that agrees with every spreadsheet's, and a quote shown on a
number costs little where a formula that runs costs a machine. Values that are numbers in Python
(int, float, Decimal) are left alone: they come from our own fields, not from what someone typed,
and the csv module writes them as plain numbers that no spreadsheet evaluates.
"""

from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """`value` made safe for a spreadsheet: a string beginning with a formula trigger gets a leading
    single quote; anything else (numbers, None, dates, other strings) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_row(row: Iterable) -> list:
    """A CSV row with every cell passed through neutralise_cell."""
    return [neutralise_cell(cell) for cell in row]
