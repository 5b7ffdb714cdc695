"""Tests of callcoach.core.drills."""
