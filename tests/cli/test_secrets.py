"""The database password is never printed: every command that takes ``--db`` (all of them,
enumerated from the parser), with parsable and unparsable URLs, via the flag and the
environment; ``db status`` and ``db upgrade`` on a server that lets the URL in."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from callcoach.cli import build_parser, main
from callcoach.storage.urls import redact, safe_url

SECRET = "s3cretPW"

#: (URL, every fragment of its password that must never be printed).
HOSTILE_URLS = {
    "refused": (f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1/x", [SECRET]),
    "legacy-scheme": (f"postgres://postgres:{SECRET}@127.0.0.1:1/x", [SECRET]),
    "bad-port": (f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:abc/x", [SECRET]),
    "unencoded-at": ("postgresql+psycopg://postgres:s3cr@tPW@127.0.0.1:1/x", ["s3cr@", "@tPW", "tPW"]),
    "encoded-at": ("postgresql+psycopg://postgres:s3cr%40tPW@127.0.0.1:1/x", ["s3cr", "tPW"]),
    "query": (f"postgresql+psycopg://postgres@127.0.0.1:1/x?password={SECRET}", [SECRET]),
    "no-database": (f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1", [SECRET]),
    "garbage": (f"postgresql+psycopg://postgres:{SECRET}@[::1/x", [SECRET]),
    "unsupported": (f"mysql://postgres:{SECRET}@127.0.0.1/x", [SECRET]),
}


def _leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[
    tuple[tuple[str, ...], argparse.ArgumentParser]
]:
    """Every runnable command: (its words, its parser)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if parser.get_default("handler") is not None and not any(s.required for s in subs):
        yield prefix, parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _leaf_commands(child, (*prefix, name))


#: A value for each required argument, enough to get past argparse to the database.
VALUES = {
    "file": "{tmp}/input.txt",
    "track": "Cold outreach",
    "name": "Sam",
    "ids": "1",
    "list": "Dentists",
    "quota": "10000",
    "deal_size": "1000",
    "close_ratio": "0.2",
    "goal_rep": "Sam",
    "week": "2026-11-23",
    "to": "Sam",
    "names": "Cold outreach",
    "output": "{tmp}/out.toml",
    "note_rep": "Sam",
    "text": "a note",
    "set": "First reflexes",
    "trainee": "Sam",
    "due": "2099-12-31",
}


def _argv(words: tuple[str, ...], parser: argparse.ArgumentParser, tmp: str) -> list[str]:
    argv = list(words)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.default == argparse.SUPPRESS:
            continue
        if action.option_strings and not action.required:
            continue
        value = VALUES[action.dest].format(tmp=tmp)
        argv += [action.option_strings[0], value] if action.option_strings else [value]
    return argv


COMMANDS = sorted(_leaf_commands(build_parser()), key=lambda item: item[0])


def test_the_parser_enumeration_finds_every_command():
    names = {" ".join(words) for words, _ in COMMANDS}
    assert {"", "import", "db status", "db backup", "meetings held", "goals set"} <= names
    assert len(names) >= 35


@pytest.mark.parametrize("how", ["flag", "env"])
@pytest.mark.parametrize("kind", sorted(HOSTILE_URLS))
def test_no_command_prints_the_password(kind, how, tmp_path, capsys, monkeypatch):
    url, fragments = HOSTILE_URLS[kind]
    (tmp_path / "input.txt").write_text("x\n")
    if how == "env":
        monkeypatch.setenv("CALLCOACH_DATABASE_URL", url)
    for words, parser in COMMANDS:
        argv = _argv(words, parser, str(tmp_path))
        if how == "flag":
            argv = ["--db", url, *argv]
        status = main(argv)
        out, err = capsys.readouterr()
        shown = out + err
        command = " ".join(words) or "(tui)"
        assert status == 2, f"{command}: {shown}"
        assert err.startswith("callcoach: error: ") and err.count("\n") == 1, f"{command}: {err}"
        for fragment in fragments:
            assert fragment not in shown, f"{command} printed {fragment!r}: {shown}"


@pytest.fixture
def url_with_password(pg_database_url: str) -> str:
    """The test database's URL with a password added (the local server trusts 127.0.0.1)."""
    return make_url(pg_database_url).set(password=SECRET).render_as_string(hide_password=False)


@pytest.mark.pg
@pytest.mark.parametrize("how", ["flag", "env"])
def test_db_status_and_upgrade_show_the_url_without_its_password(
    url_with_password, how, capsys, monkeypatch
):
    assert SECRET in url_with_password
    flag = ["--db", url_with_password] if how == "flag" else []
    if how == "env":
        monkeypatch.setenv("CALLCOACH_DATABASE_URL", url_with_password)
    for command in (["db", "status"], ["db", "upgrade"], ["lists"], ["db", "backup", "x"]):
        main([*flag, *command])
        out, err = capsys.readouterr()
        assert SECRET not in out + err
        if command[0] == "db":
            assert "postgres:***@127.0.0.1" in out + err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://u:pw@h:5432/db", "postgresql+psycopg://u:***@h:5432/db"),
        ("postgresql+psycopg://u:p@w@h/db", "postgresql+psycopg://u:***@h/db"),
        ("postgresql+psycopg://u:p@w@h:abc/db", "postgresql+psycopg://u:***@h:abc/db"),
        ("postgresql+psycopg://u:pw@h:abc/db", "postgresql+psycopg://u:***@h:abc/db"),
        ("postgresql+psycopg://u:p/w:x@h/db", "postgresql+psycopg://u:***@h/db"),
        ("postgresql+psycopg://u@h/db?password=pw&x=1", "postgresql+psycopg://u@h/db?password=***&x=1"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/a:b@c.db", "sqlite:////tmp/a%3Ab%40c.db"),  # no user: nothing hidden
    ],
)
def test_safe_url_hides_the_password_parsable_or_not(url, shown):
    assert safe_url(url) == shown


def test_redact_hides_every_form_of_the_password_in_a_message():
    url = "postgresql+psycopg://u:ab%40cd@host/db"
    message = 'failed: password "ab@cd" for postgresql://u:ab%40cd@host/db; password=ab@cd x'
    hidden = redact(message, url)
    assert "ab@cd" not in hidden and "ab%40cd" not in hidden
    assert hidden.startswith("failed: password")
    assert redact('host "cd@host" unknown', "postgresql+psycopg://u:ab@cd@host/db") == (
        'host "***@host" unknown'
    )


def test_redact_leaves_the_rest_of_the_message_readable(capsys):
    """A short piece of a password split at a bare '@' is hidden where it stands as a token,
    not inside every word that happens to contain it."""
    url = "postgresql+psycopg://postgres:s3cr@t@127.0.0.1:abc/x"
    message = "invalid database URL: the port is not a number; tried t@127.0.0.1"
    shown = redact(message, url)
    assert shown == "invalid database URL: the port is not a number; tried ***@127.0.0.1"
    assert main(["--db", url, "lists"]) == 2
    err = capsys.readouterr().err
    assert "s3cr" not in err and "t@127" not in err
    assert "invalid database URL" in err and "the port is not a number" in err
