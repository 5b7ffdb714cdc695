"""Tests of the domain core, one folder per core package."""
