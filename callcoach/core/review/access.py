"""Who sees what on the dashboard: a rep (role ``sdr``) sees their own figures beside the
team's aggregates; a manager sees every rep; a trainer sees the drills and the objection
figures. The rep is the one the session runs as (``--rep`` or the settings).

The rules are plain data here, so the screen only follows them and tests can read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlmodel import Session

from callcoach.core.review.filters import ReportFilter
from callcoach.core.review.funnels import Funnel, funnels

#: Every dashboard panel, in tab order.
PANELS = ("overview", "reps", "trends", "time", "lists", "objections", "drills")

_BY_ROLE: dict[str, tuple[tuple[str, ...], bool, bool, bool]] = {
    # role: (panels, own figures only, may set goals, may write coaching notes)
    "manager": (PANELS, False, True, True),
    "trainer": (("objections", "drills"), False, False, True),
    "sdr": (("overview", "reps", "trends", "time", "lists", "objections"), True, False, False),
}


@dataclass(frozen=True)
class ReviewAccess:
    """What one person may see and do on the dashboard."""

    role: str
    rep_id: int
    rep_name: str
    panels: tuple[str, ...]
    own_only: bool  # figures are this rep's own, with the team's aggregates beside them
    may_set_goals: bool
    may_write_notes: bool

    def rep_ids(self, chosen: Sequence[int]) -> tuple[int, ...]:
        """The reps the figures may cover: the chosen ones, or only this rep's own."""
        return (self.rep_id,) if self.own_only else tuple(chosen)

    def may_view_rep(self, rep_id: int) -> bool:
        """Whether this person may open ``rep_id``'s page."""
        return not self.own_only or rep_id == self.rep_id


def review_access(role: str, rep_id: int, rep_name: str) -> ReviewAccess:
    """The dashboard rules for a person with ``role`` (an unknown role gets the rep's)."""
    panels, own_only, goals, notes = _BY_ROLE.get(role, _BY_ROLE["sdr"])
    return ReviewAccess(role if role in _BY_ROLE else "sdr", rep_id, rep_name, panels,
                        own_only, goals, notes)


@dataclass(frozen=True)
class BesideTeam:
    """One rep's funnel beside the team's over the same period and lists."""

    own: Funnel
    team: Funnel
    team_reps: int  # reps with at least one dial in the period

    def per_rep(self, count: int) -> float | None:
        """A team count averaged over the reps who dialled (None when nobody did)."""
        return round(count / self.team_reps, 1) if self.team_reps else None


def beside_team(session: Session, f: ReportFilter, rep_id: int) -> BesideTeam:
    """``rep_id``'s funnel and the whole team's (any rep) for ``f``'s period and lists, in
    one statement: the team's is the total, the rep's one row of the per-rep grouping."""
    team_f = replace(f, rep_ids=(), rep_names=())
    rows, team = funnels(session, team_f, ("rep",))
    per_rep = dict(rows["rep"])
    own = per_rep.get(rep_id)
    if own is None:  # no calls by this rep in the period: an empty funnel of the same filter
        _, own = funnels(session, replace(f, rep_ids=(rep_id,)))
    reps = sum(1 for fu in per_rep.values() if fu.dials)
    return BesideTeam(own, team, reps)
