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
        (["goals"], "callcoach goals: error: the following arguments are required: ACTION"),
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
