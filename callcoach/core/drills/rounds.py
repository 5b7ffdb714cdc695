"""The words a drill is told in: its mode, a round's kind, who scores it, and its error."""

from __future__ import annotations

from enum import StrEnum

from callcoach.errors import CallcoachError


class DrillError(CallcoachError):
    """A drill cannot go on as asked (no objections, no trainer to score...)."""


class RoundKind(StrEnum):
    """What a round asks for."""

    OBJECTION = "objection"
    OPENING = "opening"  # engage statement + impact question, in call simulation


class ScorerRole(StrEnum):
    """Who scores a round."""

    SELF = "self"
    TRAINER = "trainer"


class DrillMode(StrEnum):
    """Single objections, or a chained call simulation."""

    SINGLE = "single"
    SIMULATION = "simulation"

