"""Tests of callcoach.catalog: the shared vocabulary."""
