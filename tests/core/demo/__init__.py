"""Tests of callcoach.core.demo."""
