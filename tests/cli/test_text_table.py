"""The one text-table formatter behind the CLI's listings and ``report --format table``."""

from __future__ import annotations

from callcoach.text_table import column_widths, table_lines, table_row, table_rule


def test_columns_are_as_wide_as_their_widest_cell_two_spaces_apart():
    lines = table_lines(("Rep", "Dials", ""), [("Ana", "9", ""), ("Benedikt", "120", "inactive")])
    assert lines == [
        "Rep       Dials",
        "Ana       9",
        "Benedikt  120    inactive",
    ]


def test_number_columns_align_right_and_a_rule_spans_each_column():
    widths = column_widths(("Rep", "Dials"), [("Ana", "9"), ("Benedikt", "120")])
    assert widths == [8, 5]
    assert table_row(("Ana", "9"), widths, right={1}) == "Ana           9"
    assert table_rule(widths) == "--------  -----"


def test_a_header_alone_is_a_table_too():
    assert table_lines(("List", "Contacts"), []) == ["List  Contacts"]
