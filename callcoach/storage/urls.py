"""Database URLs: which database to open, and how to show one (never its password)."""

from __future__ import annotations

import os
import re
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from callcoach import paths
from callcoach.storage.errors import DatabaseError

ENV_URL = "CALLCOACH_DATABASE_URL"


def default_database_url() -> str:
    """SQLite file in the user data directory."""
    return f"sqlite:///{paths.data_dir() / 'callcoach.db'}"


def resolve_database_url(cli_value: str | None = None) -> str:
    """``--db`` wins, then ``CALLCOACH_DATABASE_URL``, then the embedded default."""
    url = cli_value or os.environ.get(ENV_URL) or default_database_url()
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # The only PostgreSQL driver we ship is psycopg 3.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: ``scheme://user:PASSWORD@rest``: the password runs from after ``user:`` to the LAST ``@``
#: (an unencoded ``@`` in a password leaves the host after the last one). Matching to the
#: last ``@`` may hide more than the password, never less.
_CREDENTIALS = re.compile(
    r"(?P<head>[A-Za-z][\w+.-]*://[^:/@?#\s]*:)(?P<password>.*)@(?P<rest>[^@]*)\Z", re.S
)
#: A URL with credentials inside a longer text (a driver message): up to the last ``@``
#: before the next blank.
_CREDENTIALS_IN_TEXT = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^:/@?#\s]*:)\S*@")
#: ``password=...`` in a URL's query or a libpq connection string.
_PASSWORD_PARAMETER = re.compile(r"(?i)(?P<key>\bpassword\s*=\s*)(?P<value>'[^']*'|[^\s&']*)")


def _hide_parameters(text: str) -> str:
    return _PASSWORD_PARAMETER.sub(lambda m: m["key"] + "***", text)


def safe_url(url: str | sa.URL) -> str:
    """The URL fit to print, its password replaced by ``***``: the one way a database URL
    is shown (messages, ``db status``, journal names), parsable or not."""
    if isinstance(url, sa.URL):
        return _hide_parameters(url.render_as_string(hide_password=True))
    text = str(url)
    found = _CREDENTIALS.match(text)
    try:
        parsed: sa.URL | None = make_url(text)
    except Exception:  # unparsable: hidden by pattern below
        parsed = None
    if parsed is not None and (found is None or parsed.password == found["password"]):
        return _hide_parameters(parsed.render_as_string(hide_password=True))
    if found is not None:
        text = f"{found['head']}***@{found['rest']}"
    return _hide_parameters(text)


def parse_database_url(url: str) -> sa.URL:
    """``url`` parsed, or a one-line :class:`DatabaseError` showing it without its password."""
    try:
        return make_url(url)
    except Exception as exc:  # any parse failure is the user's URL
        cause = "the port is not a number" if "int()" in str(exc) else redact(str(exc), url)
        raise DatabaseError(f"invalid database URL {safe_url(url)}: {cause}") from None


def _passwords(url: str) -> set[str]:
    """Every form the password of ``url`` may take in a message (as written, decoded, as
    SQLAlchemy read it)."""
    found = set()
    match = _CREDENTIALS.match(url)
    if match and match["password"]:
        found.add(match["password"])
        found.add(unquote(match["password"]))
        # An unencoded "@" makes a parser take the password's tail for the host.
        found.update(match["password"].split("@"))
    try:
        parsed = make_url(url)
    except Exception:  # unparsable: the pattern's reading is all there is
        parsed = None
    if parsed is not None and parsed.password:
        found.add(str(parsed.password))
        for key, value in parsed.query.items():
            if key.lower() == "password":
                found.update([value] if isinstance(value, str) else value)
    return {p for p in found if p}


def redact(text: str, url: str | None = None) -> str:
    """``text`` (a driver's error, a message) with every password hidden: those of URLs
    written in it, ``password=`` parameters, and wherever the password of ``url`` appears."""
    if url is not None:
        for password in sorted(_passwords(url), key=len, reverse=True):
            # Only where it stands as a token of its own: a one-letter piece of a password
            # split at a bare "@" must not turn every "t" of the message into "***".
            text = re.sub(
                rf"(?<![A-Za-z0-9]){re.escape(password)}(?![A-Za-z0-9])", "***", text
            )
    text = _CREDENTIALS_IN_TEXT.sub(lambda m: m["head"] + "***@", text)
    return _hide_parameters(text)


def describe_connect_error(url: str, exc: BaseException) -> str:
    """One line naming the host and the cause of a connection failure, never the password."""
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = cause[0] if cause else type(exc).__name__
    try:
        parsed = make_url(url)
    except Exception:  # cannot say where: say which URL
        return redact(f"cannot connect to {safe_url(url)}: {first}", url)
    where = parsed.host or parsed.database or "database"
    if parsed.port:
        where = f"{where}:{parsed.port}"
    return redact(f"cannot connect to {parsed.get_backend_name()} at {where}: {first}", url)
