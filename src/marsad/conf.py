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
    Setting("s3_retention_days", "MARSAD_S3_RETENTION_DAYS", 3650,
            "COMPLIANCE retention set on each new S3 object where the bucket has Object Lock; 0: none."),
    Setting("workers", "MARSAD_WORKERS", 2, "Analysis processes `marsad ingest` starts while it waits."),
    Setting("task_lease_s", "MARSAD_TASK_LEASE_S", 60,
            "Seconds a worker holds a task without renewing; then another worker takes it over."),
    Setting("worker_host", "MARSAD_WORKER_HOST", "", "Host name in worker ids; empty means the machine's name."),
    Setting("actor", "MARSAD_ACTOR", "", "Who acts (recorded pseudonymously); empty means the OS user."),
    Setting("thumbnail_px", "MARSAD_THUMBNAIL_PX", 320, "Long side of image thumbnails, in pixels."),
    Setting("contact_sheet_frames", "MARSAD_CONTACT_SHEET_FRAMES", 12, "Keyframes on a video's contact sheet."),
    Setting("max_pixels", "MARSAD_MAX_PIXELS", 100_000_000,
            "Largest picture or video frame analysis decodes, in pixels (a JPEG at its reduced decoding "
            "size); a larger one is a recorded analysis failure, its original kept. 0: no limit."),
    Setting("archive_max_expansion", "MARSAD_ARCHIVE_MAX_EXPANSION", 100,
            "A web archive's records may decompress to at most this many times the archive's size "
            "(and 64 MiB at least); a record beyond it is a named failure. 0: no limit."),
    Setting("web_timeout", "MARSAD_WEB_TIMEOUT", 30, "Seconds a web link may take to answer (each request)."),
    Setting("web_max_bytes", "MARSAD_WEB_MAX_BYTES", 2 << 30, "Largest download from a web link, in bytes."),
    Setting("web_min_image_bytes", "MARSAD_WEB_MIN_IMAGE_BYTES", 2048,
            "Photos on a page smaller than this are taken for icons and skipped."),
    Setting("web_user_agent", "MARSAD_WEB_USER_AGENT",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
            "User-Agent sent to web sites (many refuse unknown clients)."),
    Setting("browser", "MARSAD_BROWSER", "", "Chromium for page screenshots and PDFs; empty means the one on PATH."),
    Setting("linklist_url_column", "MARSAD_LINKLIST_URL_COLUMN", "",
            "Column of links in a CSV link list; empty means guess (url, link, رابط, ...)."),
    Setting("linklist_date_column", "MARSAD_LINKLIST_DATE_COLUMN", "", "Column of dates in a link list; empty: guess."),
    Setting("linklist_place_column", "MARSAD_LINKLIST_PLACE_COLUMN", "", "Column of places in a link list; empty: guess."),
    Setting("linklist_notes_column", "MARSAD_LINKLIST_NOTES_COLUMN", "", "Column of notes in a link list; empty: guess."),
    Setting("secret_key", "MARSAD_SECRET_KEY", "", "Django secret key; empty means the workspace's own."),
    Setting("debug", "MARSAD_DEBUG", False, "Django debug mode (never in the field)."),
    Setting("https", "MARSAD_HTTPS", False, "Served over HTTPS (behind a proxy): secure cookies and HSTS."),
    Setting("allowed_hosts", "MARSAD_ALLOWED_HOSTS", "", "Extra host names the web app answers, comma-separated."),
    Setting("trusted_origins", "MARSAD_TRUSTED_ORIGINS", "", "Origins trusted for CSRF (https://host), comma-separated."),
    Setting("web_allow_private", "MARSAD_WEB_ALLOW_PRIVATE", False,
            "Let links pasted in the web app point at loopback or private addresses (tests, an intranet)."),
    Setting("fetch_allow_hosts", "MARSAD_FETCH_ALLOW_HOSTS", "",
            "Internal hosts links may reach all the same: names, addresses or networks, comma-separated."),
    Setting("max_upload_bytes", "MARSAD_MAX_UPLOAD_BYTES", 20 << 30, "Largest file uploaded through the browser."),
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
