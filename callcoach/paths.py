"""Where callcoach keeps and finds files: user data directory, config, bundled data."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "callcoach"


def data_dir() -> Path:
    """The user data directory (``CALLCOACH_DATA_DIR`` overrides platformdirs)."""
    override = os.environ.get("CALLCOACH_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """The user's config file (``CALLCOACH_CONFIG`` overrides)."""
    override = os.environ.get("CALLCOACH_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def bundled_data_dir() -> Path:
    """The demo data shipped with callcoach (``data/`` in a checkout, inside the wheel else)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled_data", here.parent / "data"):
        if (candidate / "talk_tracks.toml").exists():
            return candidate
    raise FileNotFoundError("callcoach's bundled data folder is missing from this install")
