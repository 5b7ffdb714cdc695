"""callcoach: a terminal coach for phone prospecting call blocks."""

__version__ = "0.1.0"
