"""Tests of callcoach.core.lists."""
