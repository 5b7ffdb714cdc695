"""The base of every error a user can fix; the CLI and TUI print its message as one line."""


class CallcoachError(Exception):
    """A problem with the user's input or environment, explained in one line."""
