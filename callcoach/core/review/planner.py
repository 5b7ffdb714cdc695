"""Pipeline planner: a quota is a destination, not a plan.

Works backwards from the revenue gap: deals -> opportunities -> meetings -> conversations
-> dials -> call blocks, per week, using the rep's (or team's) own measured rates over a
look-back window. A measured rate is used only when it rests on enough calls; otherwise
the planner falls back to the method's outside figures and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col

from callcoach.core.review.filters import ReportError, ReportFilter, attempt_conditions
from callcoach.core.review.funnels import Funnel, funnel
from callcoach.storage.models import CallAttempt

#: Outside figures (METHOD.md) used when the database has too few calls.
FALLBACK_DIALS_PER_BLOCK = 18.0  # 15-30 dials an hour, a 52-minute block: a dozen to two dozen
FALLBACK_CONVERSATION_PER_DIAL = 0.08  # one to three conversations out of ~18-24 dials
FALLBACK_MEETING_PER_CONVERSATION = 0.10  # roughly 10% of conversations book a meeting
FALLBACK_MEETING_TO_OPPORTUNITY = 0.5

#: Minimum denominators before a measured rate replaces the fallback.
MIN_BLOCKS = 10
MIN_DIALS = 100
MIN_CONVERSATIONS = 20
MIN_MEETINGS_KNOWN = 10


class PlanError(ReportError):
    """A planner input is unusable."""


@dataclass(frozen=True)
class Rate:
    """A rate the plan uses: its value, where it came from and on what evidence."""

    name: str
    value: float
    measured: bool
    evidence: str  # e.g. "measured: 42 conversations / 500 dials"

    def text(self) -> str:
        """One line for the plan's "figures used" list."""
        shown = f"{self.value:.1f}" if self.value >= 1 else f"{self.value * 100:.1f}%"
        return f"{self.name}: {shown} ({self.evidence})"


@dataclass(frozen=True)
class PlanInput:
    """What the manager types in."""

    quota: float
    deal_size: float
    close_ratio: float  # opportunities per win (>= 1), or a win rate (< 1)
    weeks: int = 13
    closed: float = 0.0  # revenue already won toward the quota
    meeting_to_opportunity: float | None = None  # None: measured (held rate) or fallback

    def validate(self) -> None:
        """One-line errors for impossible inputs."""
        if not (self.quota > 0 and math.isfinite(self.quota)):
            raise PlanError(f"--quota {self.quota:g}: expected an amount above 0")
        if not (self.deal_size > 0 and math.isfinite(self.deal_size)):
            raise PlanError(f"--deal-size {self.deal_size:g}: expected an amount above 0")
        if not (self.close_ratio > 0 and math.isfinite(self.close_ratio)):
            raise PlanError(
                f"--close-ratio {self.close_ratio:g}: expected opportunities per win "
                "(e.g. 4) or a win rate below 1 (e.g. 0.25)"
            )
        if not 1 <= self.weeks <= 104:
            raise PlanError(f"--weeks {self.weeks}: expected 1 to 104")
        if self.closed < 0:
            raise PlanError(f"--closed {self.closed:g}: expected an amount of 0 or more")
        mto = self.meeting_to_opportunity
        if mto is not None and not 0 < mto <= 1:
            raise PlanError(
                f"--meeting-to-opportunity {mto:g}: expected a rate above 0 and at most 1"
            )

    @property
    def opportunities_per_win(self) -> float:
        """The close ratio as opportunities per deal won."""
        return self.close_ratio if self.close_ratio >= 1 else 1 / self.close_ratio


@dataclass
class Plan:
    """The worked-back plan with the figures and evidence it used."""

    inputs: PlanInput
    scope: str  # "rep Ana" or "team"
    lookback: str
    gap: float
    deals: int
    opportunities: int
    meetings: int
    conversations: int
    dials: int
    blocks: int
    rates: list[Rate]
    measured: Funnel
    blocks_run_per_week: float
    weeks_measured: float
    notes: list[str] = field(default_factory=list)
    first_call: date | None = None  # the first call in the lookback (None: no calls)
    lookback_weeks: int = 12

    def per_week(self, total: int) -> float:
        """A total spread over the plan's weeks."""
        return total / self.inputs.weeks

    @property
    def blocks_per_week(self) -> int:
        """Blocks needed per week, rounded up."""
        return math.ceil(self.blocks / self.inputs.weeks - 1e-9)

    def measured_span(self) -> str:
        """Over which weeks the blocks run per week were averaged, in words: the whole
        lookback, or the weeks since the first call when the history is shorter."""
        blocks = f"{self.measured.blocks} block{'s' if self.measured.blocks != 1 else ''}"
        looked = f"{self.lookback_weeks} weeks looked back: {self.lookback}"
        full = self.weeks_measured >= self.lookback_weeks - 1e-9
        if self.first_call is None:
            return f"no calls in the {looked}"
        if full:
            return f"{blocks} over the {looked}"
        return (f"{blocks} over the {_weeks(self.weeks_measured)} since the first call on "
                f"{self.first_call}, of the {looked}")

    def lines(self) -> list[str]:
        """The plan as text lines (CLI and planner screen share them)."""
        w = self.inputs.weeks
        out = [
            f"Plan for {self.scope} over {w} weeks",
            f"Revenue gap: {self.gap:,.0f} (quota {self.inputs.quota:,.0f} - closed "
            f"{self.inputs.closed:,.0f})",
            "",
            f"{'stage':<15}{'total':>9}{'per week':>10}",
        ]
        for name, total in (
            ("deals", self.deals),
            ("opportunities", self.opportunities),
            ("meetings", self.meetings),
            ("conversations", self.conversations),
            ("dials", self.dials),
            ("call blocks", self.blocks),
        ):
            out.append(f"{name:<15}{total:>9,}{self.per_week(total):>10.1f}")
        out += ["", "Figures used:"]
        out += [f"  {r.text()}" for r in self.rates]
        out += [
            "",
            f"Blocks needed per week: {self.blocks_per_week}; blocks run per week so far: "
            f"{self.blocks_run_per_week:.1f} ({self.measured_span()})",
        ]
        out += self.notes
        return out


def _weeks(n: float) -> str:
    return f"{n:g} week" if n == 1 else f"{n:.1f}".removesuffix(".0") + " weeks"


def _measured(name: str, num: float, den: float, minimum: int, unit: str, fallback: float,
              num_unit: str) -> Rate:
    if den >= minimum and num > 0:
        return Rate(name, num / den, True, f"measured: {num:g} {num_unit} / {den:g} {unit}")
    why = f"only {den:g} {unit}" if den < minimum else f"no {num_unit} yet"
    return Rate(name, fallback, False, f"outside figure; {why}, need {minimum}+ {unit}")


def make_plan(
    session: Session,
    inputs: PlanInput,
    now: datetime,
    zone: str,
    rep_ids: tuple[int, ...] = (),
    scope: str = "the team",
    lookback_weeks: int = 12,
) -> Plan:
    """Work back from the revenue gap using measured rates from the last ``lookback_weeks``."""
    inputs.validate()
    from zoneinfo import ZoneInfo

    today = now.astimezone(ZoneInfo(zone)).date()
    since = today - timedelta(weeks=lookback_weeks) + timedelta(days=1)
    f = ReportFilter(since, today, zone, rep_ids, label=f"last {lookback_weeks} weeks")
    fu = funnel(session, f)
    first_day = _first_call_day(session, f) or today
    weeks_measured = max(((today - first_day).days + 1) / 7, 1.0)

    dpb = _measured("dials per block", fu.dials, fu.blocks, MIN_BLOCKS, "blocks",
                    FALLBACK_DIALS_PER_BLOCK, "dials")
    cpd = _measured("conversations per dial", fu.conversations, fu.dials, MIN_DIALS, "dials",
                    FALLBACK_CONVERSATION_PER_DIAL, "conversations")
    mpc = _measured("meetings per conversation", fu.meetings, fu.conversations,
                    MIN_CONVERSATIONS, "conversations", FALLBACK_MEETING_PER_CONVERSATION,
                    "meetings")
    if inputs.meeting_to_opportunity is not None:
        mto = Rate("meeting to opportunity", inputs.meeting_to_opportunity, False, "given")
    else:
        mto = _measured("meeting to opportunity (held rate)", fu.held, fu.held_known,
                        MIN_MEETINGS_KNOWN, "meetings with a recorded result",
                        FALLBACK_MEETING_TO_OPPORTUNITY, "held")
    win = Rate("opportunities per win", inputs.opportunities_per_win, False, "given")

    gap = max(inputs.quota - inputs.closed, 0.0)
    deals = math.ceil(gap / inputs.deal_size - 1e-9)
    opportunities = math.ceil(deals * win.value - 1e-9)
    meetings = math.ceil(opportunities / mto.value - 1e-9)
    conversations = math.ceil(meetings / mpc.value - 1e-9)
    dials = math.ceil(conversations / cpd.value - 1e-9)
    blocks = math.ceil(dials / dpb.value - 1e-9)
    plan = Plan(
        inputs=inputs,
        scope=scope,
        lookback=f"{f.since} .. {f.until}",
        gap=gap,
        deals=deals,
        opportunities=opportunities,
        meetings=meetings,
        conversations=conversations,
        dials=dials,
        blocks=blocks,
        rates=[win, mto, mpc, cpd, dpb],
        measured=fu,
        blocks_run_per_week=fu.blocks / weeks_measured,
        weeks_measured=weeks_measured,
        first_call=None if fu.dials == 0 else first_day,
        lookback_weeks=lookback_weeks,
    )
    if gap == 0:
        plan.notes.append("The quota is already met: nothing left to plan.")
    elif plan.blocks_run_per_week + 1e-9 < plan.blocks_per_week:
        short = plan.blocks_per_week - plan.blocks_run_per_week
        plan.notes.append(f"Behind plan: {short:.1f} more blocks per week are needed.")
    else:
        plan.notes.append("On track: the blocks run per week so far cover the plan.")
    return plan


def _first_call_day(session: Session, f: ReportFilter) -> date | None:
    first = session.execute(
        sa.select(sa.func.min(col(CallAttempt.logged_at))).where(*attempt_conditions(f))
    ).scalar()
    if first is None:
        return None
    if isinstance(first, str):
        first = datetime.fromisoformat(first)
    if first.tzinfo is None:
        first = first.replace(tzinfo=UTC)
    return max(first.astimezone(f.tz).date(), f.since)
