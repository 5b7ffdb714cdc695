"""Tests of callcoach.core.calling."""
