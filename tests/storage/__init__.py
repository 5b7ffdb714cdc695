"""Tests of callcoach.storage."""
