"""Formula injection: cells a spreadsheet would evaluate are written as text."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from retryadmin.lib.csvcells import neutralise_cell, neutralise_row


@pytest.mark.parametrize(
    "cell",
    [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example","click")',
        "+44 20 7946 0000",
        "-1+cmd|' /C calc'!A0",
        "-5",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "=",
    ],
)
def test_a_cell_beginning_with_a_formula_trigger_gets_a_quote(cell):
    assert neutralise_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Alice", "", " =1+1", "07700 900123", "a=b", "'=already quoted", "ä=1"])
def test_other_text_is_left_as_it_is(cell):
    assert neutralise_cell(cell) == cell


@pytest.mark.parametrize("value", [-5, -2.5, Decimal("-1.50"), 0, None, date(2026, 1, 2), True])
def test_values_that_are_not_text_are_left_as_they_are(value):
    assert neutralise_cell(value) is value


def test_a_row_written_by_the_csv_module_opens_as_text_in_a_spreadsheet():
    out = io.StringIO()
    csv.writer(out).writerow(neutralise_row(["=cmd|' /C calc'!A0", "Bob", -3, "@x"]))
    assert out.getvalue() == "'=cmd|' /C calc'!A0,Bob,-3,'@x\r\n"
