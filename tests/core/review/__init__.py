"""Tests of callcoach.core.review."""
