"""The Textual front end: renders core state and turns keys into core calls."""
