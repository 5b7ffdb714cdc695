"""Reusable widgets of the callcoach TUI."""
