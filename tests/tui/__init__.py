"""Tests of callcoach.tui."""
