"""The import streams (issue 15 item 7): a file of many chunks gives the same result as a
straightforward reading of it, and a failure anywhere, however late, writes nothing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from callcoach.core.lists import importer
from callcoach.core.lists.importer import ImportFileError, ImportOptions, import_file
from callcoach.storage.models import CallList, Contact, DoNotCall
from callcoach.storage.sql import bulk
from tests.support.helpers import count_rows

ROWS = 30_000
CHUNK = 1_000  # 30 chunks
EXCHANGES = ("234", "345", "456", "678")
FORMATS = ("({a}) {x}-{l}", "{a}.{x}.{l}", "+1 {a} {x} {l}", "1{a}{x}{l}")
EARLIER = range(29_000, 29_060)  # numbers of these rows are contacts before the import
REGISTERED = (15_000, 15_001, 15_002)  # numbers of these rows are on the register before it


def number(k: int) -> tuple[str, str]:
    """The k-th test number: as written in the file, and as E.164."""
    x, line = EXCHANGES[k // 10_000], f"{k % 10_000:04d}"
    return FORMATS[k % len(FORMATS)].format(a="212", x=x, l=line), f"+1212{x}{line}"


def source_number(i: int) -> int:
    """Row i's number: its own, or (about every 997th row) that of a row 7,000 earlier."""
    return i - 7_000 if i >= 7_000 and i % 997 == 500 else i


def flagged(i: int) -> bool:
    """Do-not-call rows: one in 101, some of them duplicates, one an earlier contact."""
    return i % 101 == 3 or i % 1994 == 500 or i == 29_010


def vertical(i: int) -> str:
    """Two big verticals (one in two spellings) and three rare ones of 4 rows each."""
    if i % 2_500 == 9:
        return f"Rare {i // 2_500 % 3}"
    if i % 10 < 6:
        return "software" if i % 20 == 1 else "Software"
    return "Healthcare"


def write_file(path: Path, rows: int, tail: str = "") -> Path:
    """The generated export: rows of valid contacts, then ``tail`` as written."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("First name,Last name,Phone,Industry,Do Not Call\n")
        for i in range(rows):
            fh.write(f"First{i},Last{i},{number(source_number(i))[0]},{vertical(i)},"
                     f"{'yes' if flagged(i) else ''}\n")
        fh.write(tail)
    return path


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of CHUNK rows, so a test file spans many of them."""
    monkeypatch.setattr(importer, "CHUNK_ROWS", CHUNK)


def seed_database(db, clock, tmp_path: Path) -> None:
    """Contacts for the EARLIER rows' numbers and REGISTERED numbers on the register."""
    earlier = tmp_path / "earlier.csv"
    earlier.write_text(
        "Name,Phone\n" + "".join(f"Old {i},{number(i)[0]}\n" for i in EARLIER), encoding="utf-8"
    )
    assert import_file(db, earlier, ImportOptions(list_name="Earlier"), clock).imported == len(EARLIER)
    with db.transaction() as s:
        for i in REGISTERED:
            s.add(DoNotCall(phone=number(i)[1], added_at=clock.now(), source="call:1"))


def test_many_chunks_give_what_a_straightforward_reading_gives(db, clock, tmp_path, small_chunks):
    """Counts, duplicates across chunks (in the file and in the database), clusters with
    --min-cluster, do-not-call rows, the register and the listed duplicates all match a plain
    loop over the same rows."""
    seed_database(db, clock, tmp_path)
    path = write_file(tmp_path / "big.csv", ROWS)
    report = import_file(db, path, ImportOptions(list_name="Big", cluster_by="vertical",
                                                 min_cluster_size=5), clock)

    # The expectation, row by row.
    earlier = {number(i)[1] for i in EARLIER}
    registered_before = {number(i)[1] for i in REGISTERED}
    first_line: dict[str, int] = {}
    in_file: list[tuple[int, int]] = []  # (line, line of the first row with its number)
    in_db: list[int] = []
    dnc_from_duplicates: dict[str, int] = {}
    kept: list[tuple[int, str, str, bool]] = []  # line, E.164, vertical, flagged
    for i in range(ROWS):
        line, e164 = i + 2, number(source_number(i))[1]
        if e164 in first_line:
            in_file.append((line, first_line[e164]))
            if flagged(i):
                dnc_from_duplicates.setdefault(e164, line)
            continue
        first_line[e164] = line
        if e164 in earlier:
            in_db.append(line)
            if flagged(i):
                dnc_from_duplicates.setdefault(e164, line)
            continue
        kept.append((line, e164, vertical(i), flagged(i)))
    by_key = Counter(v.lower() for _, _, v, _ in kept)
    expected_lists = {
        "Big - Software": by_key["software"],
        "Big - Healthcare": by_key["healthcare"],
        "Big - Other": sum(n for key, n in by_key.items() if key.startswith("rare")),
    }
    assert all(n < 5 for key, n in by_key.items() if key.startswith("rare"))
    dnc_kept = [e for _, e, _, f in kept if f or e in registered_before]

    assert len(in_file) > 20 and len(in_db) > 50 and len(dnc_kept) > 250  # the file tests what it should
    assert report.ok and report.rows_read == ROWS
    assert report.duplicates_in_file == len(in_file) and report.duplicates_in_db == len(in_db)
    assert report.imported == len(kept) == ROWS - len(in_file) - len(in_db)
    assert report.do_not_call == len(dnc_kept)
    assert {r.name: (r.added, r.created) for r in report.lists} == {
        name: (n, True) for name, n in expected_lists.items()
    }
    assert report.duplicates == [  # the first 50: within the file first, then the database's
        *[importer.Problem(line, "Phone", number(source_number(line - 2))[0],
                           f"duplicate of line {first}") for line, first in in_file],
        *[importer.Problem(line, "Phone", number(line - 2)[0], "already in list 'Earlier'")
          for line in in_db],
    ][:50]
    rendered = report.render()
    assert f"  ... and {len(in_file) + len(in_db) - 50} more duplicates" in rendered
    assert f"(+{len(dnc_from_duplicates)} duplicate number(s) marked do-not-call)" in rendered

    with db.session() as s:
        lists = {c.id: c.name for c in s.exec(select(CallList)).all()}
        stored = {c.phone: (lists[c.list_id], c.status, c.do_not_call)
                  for c in s.exec(select(Contact)).all()}
        register = {d.phone: d.source for d in s.exec(select(DoNotCall)).all()}
    assert len(stored) == len(kept) + len(EARLIER)
    assert Counter(name for name, _, _ in stored.values()) == {**expected_lists, "Earlier": len(EARLIER)}
    dnc_phones = set(dnc_kept) | set(dnc_from_duplicates)
    assert {p for p, (_, status, dnc) in stored.items() if dnc and status == "dnc"} == dnc_phones
    assert all(status == "new" and not dnc for p, (_, status, dnc) in stored.items() if p not in dnc_phones)
    for line, e164, v, _ in kept[:3000:97]:
        expected = "Big - Other" if v.startswith("Rare") else f"Big - {v.title()}"
        assert stored[e164][0] == expected, line
    expected_register = dict.fromkeys(registered_before, "call:1")
    for line, e164, _, f in kept:
        if f and e164 not in expected_register:
            expected_register[e164] = f"import:big.csv:{line}"
    for e164, line in dnc_from_duplicates.items():
        expected_register.setdefault(e164, f"import:big.csv:{line}")
    assert register == expected_register


def test_one_number_flagged_on_rows_in_two_chunks_is_registered_once(db, clock, tmp_path, small_chunks):
    """The same number with two extensions, both flagged, in chunks 1 and 3: both rows land,
    the register gets the number once, from the first row."""
    rows = ["Name,Phone,Ext,DNC\n"] + [f"P{i},{number(i)[0]},,\n" for i in range(2_500)]
    rows[10] = f"Ext One,{number(9_999)[0]},1,yes\n"  # line 11, chunk 1
    rows[2_400] = f"Ext Two,{number(9_999)[0]},2,yes\n"  # line 2401, chunk 3
    path = tmp_path / "ext.csv"
    path.write_text("".join(rows), encoding="utf-8")
    report = import_file(db, path, ImportOptions(), clock)
    assert report.imported == 2_500 and report.do_not_call == 2
    with db.session() as s:
        register = {d.phone: d.source for d in s.exec(select(DoNotCall)).all()}
    assert register == {number(9_999)[1]: "import:ext.csv:11"}


def failing_late_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    """The contacts of chunk 25 of 30 fail to insert, as a full disk would."""
    real = bulk.bulk_insert
    chunks = []

    def insert(session, table, *args, **kwargs):
        if table.name == "contact":
            chunks.append(1)
            if len(chunks) == 25:
                raise sa.exc.OperationalError("INSERT", {}, Exception("disk I/O error"))
        return real(session, table, *args, **kwargs)

    monkeypatch.setattr(bulk, "bulk_insert", insert)


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("database", "database error, nothing imported: disk I/O error"),
        ("invalid", None),
        ("open quote", f"big.csv:{ROWS + 2}: unterminated quote"),
    ],
)
def test_a_failure_in_a_late_chunk_writes_nothing(
    db, clock, tmp_path, small_chunks, monkeypatch, failure, message
):
    """A database error on chunk 25 of 30, an invalid last row (without --skip-invalid) or a
    quote left open near the end: no contact, list or register entry is written."""
    tail = {"database": "", "invalid": "Last,Row,not a number,Software,\n",
            "open quote": 'Last,"Row,+1 212 234 0001,Software,\nEnd,Row,+1 212 234 0002,Software,\n'}[failure]
    path = write_file(tmp_path / "big.csv", ROWS, tail)
    if failure == "database":
        failing_late_insert(monkeypatch)
    options = ImportOptions(cluster_by="vertical")
    if message is None:
        report = import_file(db, path, options, clock)
        assert not report.ok and report.invalid == 1 and report.imported == 0
        assert [p.line for p in report.problems] == [ROWS + 2]
    else:
        with pytest.raises(ImportFileError) as err:
            import_file(db, path, options, clock)
        assert message in str(err.value) and "\n" not in str(err.value)
    assert count_rows(db, "contact") == 0 and count_rows(db, "call_list") == 0
    assert count_rows(db, "do_not_call") == 0


def test_encoding_is_decided_by_the_whole_file_not_its_start(db, clock, tmp_path):
    """A cp1252 byte past the first megabyte (the block read at a time) still makes the file
    cp1252, and a NUL byte that far in still makes it binary."""
    body = "".join(
        f"Person {i:06d} Example,+1 212 {300 + i // 10_000} {i % 10_000:04d}\n" for i in range(40_000)
    ).encode()
    assert len(body) > 1024 * 1024
    latin = tmp_path / "late_latin.csv"
    latin.write_bytes(b"Name,Phone\n" + body + "Zo\xeb Last,+1 212 345 0001\n".encode("cp1252"))
    report = import_file(db, latin, ImportOptions(), clock)
    assert report.encoding == "cp1252" and report.imported == 40_001
    with db.session() as s:
        last = s.exec(select(Contact).where(Contact.phone == "+12123450001")).one()
    assert last.first_name == "Zoë"
    binary = tmp_path / "late_nul.csv"
    binary.write_bytes(b"Name,Phone\n" + body + b"Nul\x00,+1 212 345 0002\n")
    with pytest.raises(ImportFileError, match="late_nul.csv: binary file"):
        import_file(db, binary, ImportOptions(), clock)


def test_a_full_temporary_directory_is_one_line(db, clock, tmp_path, small_chunks, monkeypatch):
    """Parking the parsed rows on a full disk stops the import with one line, writing nothing."""
    import errno
    import tempfile

    from callcoach.core.lists import spool

    class FullDisk(tempfile.SpooledTemporaryFile):
        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(spool.tempfile, "TemporaryFile", lambda **kw: FullDisk())
    path = write_file(tmp_path / "big.csv", 3 * CHUNK)
    with pytest.raises(ImportFileError) as err:
        import_file(db, path, ImportOptions(), clock)
    assert str(err.value) == (
        f"{path}: cannot park the parsed rows in the temporary directory {tempfile.gettempdir()}: "
        "No space left on device; nothing imported"
    )
    assert count_rows(db, "contact") == 0 and count_rows(db, "call_list") == 0
