"""Imports say what they did (issue 15): an open quote is an error naming its line, cells
with control characters or longer than their column are reported FILE:LINE: column: reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from callcoach.core.lists.csvfile import DecodedFile, iter_records, open_quote_line
from callcoach.core.lists.importer import ImportFileError, ImportOptions, import_file
from callcoach.storage.models import Contact
from tests.support.helpers import count_rows


def write(tmp_path: Path, text: str, name: str = "crm.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_unterminated_quote_is_an_error_naming_the_line_it_opened_on(db, clock, tmp_path):
    """The open quote on line 3 would swallow the rest of the file: one line, nothing written."""
    path = write(tmp_path, (
        "first,last,company,phone\n"
        "Ada,Byron,Molar,+1 212 555 0100\n"
        'Ben,"Cole,Bright,+1 212 555 0101\n'
        "Cy,Dunn,Gum,+1 212 555 0102\n"
        "Di,Ek,Smile,+1 212 555 0103\n"
    ))
    with pytest.raises(ImportFileError) as err:
        import_file(db, path, ImportOptions(), clock)
    message = str(err.value)
    assert message.startswith(f"{path}:3: unterminated quote")
    assert "opened on line 3" in message and "\n" not in message
    assert count_rows(db, "contact") == 0 and count_rows(db, "call_list") == 0


@pytest.mark.parametrize("end", ["\n", "", "\r\n"], ids=["newline", "no-newline", "crlf"])
def test_unterminated_quote_on_the_last_line_is_an_error_naming_it(db, clock, tmp_path, end):
    """A quote opened on the file's last line has nothing after it to swallow, so the record
    is read from that one line: it is still refused, naming the line, and nothing is written."""
    path = write(tmp_path, (
        "first,last,company,phone\n"
        "Ada,Byron,Molar,+1 212 555 0100\n"
        "Ben,Cole,Bright,+1 212 555 0101\n"
        f'Cy,Dunn,"Gum,+1 212 555 0102{end}'
    ))
    with pytest.raises(ImportFileError) as err:
        import_file(db, path, ImportOptions(), clock)
    message = str(err.value)
    assert message.startswith(f"{path}:4: unterminated quote")
    assert "opened on line 4" in message and "\n" not in message
    assert count_rows(db, "contact") == 0 and count_rows(db, "call_list") == 0


def test_a_closed_quote_on_the_last_line_and_blank_lines_after_it_are_data(tmp_path):
    """The last record's check refuses only a quote left open: a closed one (even with a
    doubled quote inside), an ``O"Neil`` and trailing blank lines read as they always did."""
    text = 'first,notes\nAda,"said ""hi"""\nBen,O"Neil\n\n'
    records = list(iter_records(DecodedFile(tmp_path / "f.csv", text, "UTF-8", ",")))
    assert records == [
        (1, ["first", "notes"]), (2, ["Ada", 'said "hi"']), (3, ["Ben", 'O"Neil']), (4, []),
    ]


def test_open_quote_after_a_closed_multiline_cell_names_its_own_line(tmp_path):
    """A quoted cell over two lines that closes is data; a later quote left open is named."""
    text = (
        "first,notes,phone\n"
        'Ada,"two\nlines",+1 212 555 0100\n'
        'Ben,"it is ""quoted""",+1 212 555 0101\n'
        "Cy,plain,\"+1 212\n"
        "Di,x,+1 212 555 0103\n"
    )
    decoded = DecodedFile(tmp_path / "f.csv", text, "UTF-8", ",")
    records = iter_records(decoded)
    assert next(records) == (1, ["first", "notes", "phone"])
    assert next(records) == (2, ["Ada", "two\nlines", "+1 212 555 0100"])
    assert next(records) == (4, ["Ben", 'it is "quoted"', "+1 212 555 0101"])
    with pytest.raises(Exception, match=r"f\.csv:5: unterminated quote"):
        next(records)


def test_open_quote_line_reads_quotes_only_at_a_cell_start():
    """``O"Neil`` is a literal quote; ``"a""b"`` closes; CRLF ends a line."""
    assert open_quote_line(['a,O"Neil\r\n', "b,c\r\n"], ",", 7) is None
    assert open_quote_line(['a,"x""y"\r\n'], ",", 7) is None
    assert open_quote_line(["a,b\r\n", 'c;"d\r\n', "e\r\n"], ";", 7) == 8


def test_over_long_and_control_cells_are_kept_and_reported(db, clock, tmp_path):
    """Cut cells say how long they were and what was kept; control cells are kept as they came."""
    company = "C" * 250
    first = "F" * 130
    path = write(tmp_path, (
        "first,last,company,email,phone\n"
        f"{first},Byron,{company},a@b.com,+1 212 555 0100\n"
        "Ben\x1b[2J,Cole\u202e,Fine,b@b.com,+1 212 555 0101\n"
        "Cy,Dunn,Gum,c@b.com,+1 212 555 0102\n"
    ))
    report = import_file(db, path, ImportOptions(), clock)
    assert report.imported == 3
    assert [n.render(str(path)) for n in report.notes] == [
        f"{path}:2: first: 130 characters, kept the first 120",
        f"{path}:2: company: 250 characters, kept the first 200",
        f"{path}:3: first: holds control characters (\\x1b); kept as they came, shown escaped",
        f"{path}:3: last: holds control characters (\\u202e); kept as they came, shown escaped",
    ]
    rendered = report.render()
    assert "  cells noted 4 (listed below)" in rendered
    assert "Cells imported with a note:" in rendered
    assert f"{path}:2: company: 250 characters, kept the first 200" in rendered
    with db.session() as s:
        stored = {c.phone: c for c in s.exec(select(Contact)).all()}
    assert stored["+12125550100"].first_name == first[:120]
    assert stored["+12125550100"].company == company[:200]
    assert stored["+12125550101"].first_name == "Ben\x1b[2J"
    assert stored["+12125550101"].last_name == "Cole\u202e"


def test_clean_file_has_no_notes_and_a_multiline_cell_is_no_control(db, clock, tmp_path):
    """Newlines inside a quoted cell (CRLF too) are not control characters to report."""
    path = write(tmp_path, (
        "first,last,title,phone\r\n"
        'Ada,Byron,"Head\r\nof Care",+1 212 555 0100\r\n'
        "Ben,Cole,Owner,+1 212 555 0101\r\n"
    ))
    report = import_file(db, path, ImportOptions(), clock)
    assert report.imported == 2 and report.notes == []
    assert "cells noted" not in report.render()


def test_notes_name_only_rows_that_were_imported(db, clock, tmp_path):
    """A row dropped as a duplicate is listed as a duplicate, not as a kept cell."""
    path = write(tmp_path, (
        "first,last,phone\n"
        "Ada,Byron,+1 212 555 0100\n"
        "Ada\x1b[2J,Again,+1 212 555 0100\n"
    ))
    report = import_file(db, path, ImportOptions(), clock)
    assert report.imported == 1 and report.duplicates_in_file == 1
    assert report.notes == []
