"""Screens of the callcoach TUI."""
