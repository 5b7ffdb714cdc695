"""Drills: drill sets, a drill run with its timer and scoring, progress, and speech."""
