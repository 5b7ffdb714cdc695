"""Tests of callcoach.cli."""
