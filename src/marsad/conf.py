"""The one table of Marsad's settings.

Each setting is read from its environment variable, then from the workspace's
`marsad.toml`, then falls back to its default. Nothing here has side effects at
import time; `settings()` reads afresh each call.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("home", "MARSAD_HOME", "./marsad-data", "The workspace folder: database, store, log, keys."),
    Setting("database_url", "DATABASE_URL", "", "Database URL; empty means SQLite in the workspace."),
    Setting("storage", "MARSAD_STORAGE", "", "Blob store location; empty means `store/` in the workspace."),
    Setting("workers", "MARSAD_WORKERS", 2, "Analysis processes `marsad ingest` starts while it waits."),
    Setting("actor", "MARSAD_ACTOR", "", "Who acts (recorded pseudonymously); empty means the OS user."),
    Setting("thumbnail_px", "MARSAD_THUMBNAIL_PX", 320, "Long side of image thumbnails, in pixels."),
    Setting("contact_sheet_frames", "MARSAD_CONTACT_SHEET_FRAMES", 12, "Keyframes on a video's contact sheet."),
    Setting("secret_key", "MARSAD_SECRET_KEY", "", "Django secret key; empty means the workspace's own."),
    Setting("debug", "MARSAD_DEBUG", False, "Django debug mode (never in the field)."),
)
BY_NAME = {s.name: s for s in SETTINGS}


def home() -> Path:
    return Path(os.environ.get("MARSAD_HOME") or BY_NAME["home"].default).resolve()


def _coerce(value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        return str(value).lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    return value


def get(name: str) -> Any:
    setting = BY_NAME[name]
    if setting.env in os.environ:
        return _coerce(os.environ[setting.env], setting.default)
    toml_path = home() / "marsad.toml"
    if toml_path.is_file():
        with open(toml_path, "rb") as f:
            data = tomllib.load(f)
        if name in data:
            return _coerce(data[name], setting.default)
    return setting.default
