"""Talk tracks written back out as the TOML ``callcoach tracks load`` reads.

A team keeps its tracks in version control: ``tracks export`` writes the named tracks (all
by default) and the library objections they use (the whole library when exporting every
track), and loading that file into any database gives the same tracks, field for field.
The text is checked with the loader's own parser before anything is written, so an export
that could not be loaded back is refused rather than written.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from callcoach.core.lists.track_editing import TrackDraft, TrackEditError, all_drafts
from callcoach.core.lists.tracks import TEXT_FIELDS, TracksFileError, _parse
from callcoach.storage.models import Objection

HEADER = """\
# callcoach talk tracks, written by `callcoach tracks export`.
# Load with:  callcoach tracks load FILE   (objections match by key, tracks by name).
# Merge fields: {first_name} {last_name} {company} {title} {vertical} {region} {rep_name}
# {reference}; write {{ and }} for literal braces.
"""


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (multi-line when it holds a line break)."""
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    body = "".join(out)
    if "\n" in value:
        return '"""\n' + body + '"""'  # the newline after the opening quotes is not content
    return '"' + body.replace("\n", "\\n") + '"'


def _key(name: str) -> str:
    """A TOML key: bare when it is a slug, quoted otherwise."""
    return name if name.replace("_", "a").isalnum() and name.isascii() else toml_string(name)


def _objection_table(o: Objection) -> str:
    return (
        "[[objection]]\n"
        f"key = {toml_string(o.key)}\n"
        f"text = {toml_string(o.text)}\n"
        f"rebuttal = {toml_string(o.rebuttal)}\n"
    )


def _track_table(draft: TrackDraft) -> str:
    lines = ["[[track]]", f"name = {toml_string(draft.name)}"]
    if draft.cluster_dimension:
        lines.append(f"cluster_dimension = {toml_string(draft.cluster_dimension)}")
    if draft.cluster_value:
        lines.append(f"cluster_value = {toml_string(draft.cluster_value)}")
    for text_field in TEXT_FIELDS:
        value = draft.text(text_field)
        if value:
            lines.append(f"{text_field} = {toml_string(value)}")
    keys = ", ".join(toml_string(key) for key, _ in draft.objections)
    lines.append(f"objections = [{keys}]")
    overrides = [(key, text) for key, text in draft.objections if text]
    if overrides:
        lines.append("")
        lines.append("[track.rebuttals]")
        lines.extend(f"{_key(key)} = {toml_string(text)}" for key, text in overrides)
    return "\n".join(lines) + "\n"


def export_text(session: Session, names: list[str] | None = None) -> tuple[str, int, int]:
    """The TOML for the named tracks (all when none are named) and the objections they use;
    with the number of tracks and objections written."""
    drafts = all_drafts(session, names)
    used = {key for d in drafts for key, _ in d.objections}
    objections = [
        o for o in session.exec(select(Objection).order_by(col(Objection.position), col(Objection.id)))
        if not names or o.key in used
    ]
    if not drafts and not objections:
        raise TrackEditError("nothing to export: no talk tracks or objections in this database")
    parts = [HEADER]
    parts += [_objection_table(o) for o in objections]
    parts += [_track_table(d) for d in drafts]
    return "\n".join(parts), len(drafts), len(objections)


def checked_export(session: Session, names: list[str] | None, target: Path) -> tuple[str, int, int]:
    """:func:`export_text`, parsed back with the loader's rules first: a database value the
    loader would refuse (an unknown merge field written by hand, say) is a one-line error."""
    text, tracks, objections = export_text(session, names)
    try:
        _parse(target, text, set())
    except TracksFileError as exc:
        raise TrackEditError(f"not exported, the file would not load back: {exc}") from None
    return text, tracks, objections
