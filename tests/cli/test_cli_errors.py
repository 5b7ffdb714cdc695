"""Mistakes in the command line itself (argparse's errors) are one line too, exit status 2."""

from __future__ import annotations

import pytest

from callcoach.cli import main


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--bogus"], "callcoach: error: unrecognized arguments: --bogus (see 'callcoach --help')"),
        (["import"], "callcoach import: error: the following arguments are required: FILE"),
        (["import", "x.csv", "--cluster-by", "colour"], "invalid choice: 'colour'"),
        (["block", "--minutes", "abc"], "callcoach block: error: argument --minutes"),
        (["export"], "callcoach export: error: the following arguments are required: WHAT"),
    ],
)
def test_argument_errors_are_one_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert expected in err
    assert "\n" not in err and "usage:" not in err and "Traceback" not in err
    assert err.endswith("--help')")
    assert captured.out == ""


@pytest.mark.parametrize("argv", [["reps"], ["meetings", "all"]])
def test_a_reader_that_stops_early_gets_no_traceback(argv, tmp_path):
    """``callcoach reps | head`` style: the pipe's reader is gone before callcoach writes.
    callcoach stops quietly with SIGPIPE's status instead of a BrokenPipeError traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CALLCOACH_DATABASE_URL": f"sqlite:///{tmp_path / 'cc.db'}",
           "CALLCOACH_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "callcoach", *argv],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    proc.stdout.close()  # the reader is gone before a single line is written
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 141
    assert err == ""



FILE_COMMANDS = {
    "CSV": ["import", "{path}"],
    "tracks": ["tracks", "load", "{path}"],
    "drill sets": ["drill", "load", "{path}"],
    "settings": ["--config", "{path}", "lists"],
}


@pytest.mark.parametrize(
    ("command", "problem", "expected"),
    [
        *((c, "directory", f"folder: is a directory, not a {'CSV' if c == 'CSV' else 'TOML'} file")
          for c in FILE_COMMANDS),
        *((c, "missing", "nope.txt: no such file") for c in ("CSV", "tracks", "drill sets")),
        # a CSV in another encoding is decoded (cp1252), not refused
        *((c, "latin-1", "latin1.txt: not UTF-8 text (byte 7: invalid continuation byte)")
          for c in ("tracks", "drill sets", "settings")),
    ],
)
def test_every_file_a_user_names_fails_with_the_same_line(tmp_path, capsys, command, problem, expected):
    """CSV, talk tracks, drill sets and settings are read by one helper: the same one-line messages."""
    path = tmp_path / expected.split(":")[0]
    if problem == "directory":
        path.mkdir()
    elif problem == "latin-1":
        path.write_bytes(b"name = \xe9t\xe9\n")
    argv = [a.format(path=path) for a in FILE_COMMANDS[command]]
    code = main(["--db", f"sqlite:///{tmp_path / 'cc.db'}", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"callcoach: error: {tmp_path / expected}\n"
