"""Helpers shared by the test folders: builders, fakes, fixtures' data."""
