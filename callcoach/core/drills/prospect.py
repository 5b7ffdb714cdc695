"""The pretend prospect of a drill: merge fields filled as a real call would fill them."""

from __future__ import annotations

from typing import Any

from callcoach.storage.models import Contact, TalkTrack

DEFAULT_GREETING = "Hello, this is {first_name} speaking."

#: The pretend prospect whose details fill merge fields ({first_name}, {company}...) in drills.
DRILL_PROSPECT = {
    "first_name": "Pat",
    "last_name": "Morgan",
    "company": "Northwind",
    "title": "VP of Operations",
    "vertical": "",
    "region": "",
}


def personalise(text: str, rep_name: str | None, track: TalkTrack | None) -> str:
    """Fill a track/objection text's merge fields for a drill (the pretend prospect, the
    trainee as the rep, the track's reference)."""
    from callcoach.core.lists.tracks import render_track_text

    details: dict[str, Any] = dict(DRILL_PROSPECT)
    if track is not None and track.cluster_dimension in ("vertical", "region"):
        details[track.cluster_dimension] = track.cluster_value or ""
    prospect = Contact(phone="", **details)
    return render_track_text(text, prospect, rep_name=rep_name, track=track)
