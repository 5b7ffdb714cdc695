"""Reading a file a user names (a CSV, a TOML of talk tracks or drill sets, the settings):
its bytes or UTF-8 text, or one line saying what was wrong with which file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from callcoach.errors import CallcoachError


@contextmanager
def user_file_errors(path: Path, error: type[CallcoachError], kind: str) -> Iterator[None]:
    """Turn an OS error opening or reading ``path`` into one line raised as ``error``.

    ``kind`` names what the file should be ("CSV", "TOML") in the directory message.
    """
    try:
        yield
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {kind} file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the name: no file can have it
        raise error(f"{path}: no such file (the name holds a NUL character)") from None


def read_user_bytes(path: Path, error: type[CallcoachError], kind: str) -> bytes:
    """The bytes of ``path``; a missing, directory or unreadable file raises ``error``.

    ``kind`` names what the file should be ("CSV", "TOML") in the directory message.
    """
    with user_file_errors(path, error, kind):
        return path.read_bytes()


def open_user_file(path: Path, error: type[CallcoachError], kind: str) -> BinaryIO:
    """``path`` opened for reading bytes as it goes (a file too large to hold whole); a
    missing, directory or unreadable file raises ``error`` as :func:`read_user_bytes` does.
    Errors while reading are the caller's to wrap in :func:`user_file_errors`."""
    with user_file_errors(path, error, kind):
        return path.open("rb")


def read_user_text(path: Path, error: type[CallcoachError], kind: str) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark is dropped), or one line raised as ``error``."""
    raw = read_user_bytes(path, error, kind)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def _shared_mode() -> int:
    """The mode a new file gets under this process's umask, never writable by everyone."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask & ~0o002


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed over it).

    The file gets the mode any new file gets under the umask (0644 under 022), so a
    scorecard saved to a shared folder can be read by the team; never world-writable.
    Raises OSError; a failed write leaves no temporary file behind.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _shared_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
