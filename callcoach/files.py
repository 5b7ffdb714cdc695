"""Reading a file a user names (a CSV, a TOML of talk tracks or drill sets, the settings):
its bytes or UTF-8 text, or one line saying what was wrong with which file."""

from __future__ import annotations

from pathlib import Path

from callcoach.errors import CallcoachError


def read_user_bytes(path: Path, error: type[CallcoachError], kind: str) -> bytes:
    """The bytes of ``path``; a missing, directory or unreadable file raises ``error``.

    ``kind`` names what the file should be ("CSV", "TOML") in the directory message.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {kind} file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the name: no file can have it
        raise error(f"{path}: no such file (the name holds a NUL character)") from None


def read_user_text(path: Path, error: type[CallcoachError], kind: str) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark is dropped), or one line raised as ``error``."""
    raw = read_user_bytes(path, error, kind)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
