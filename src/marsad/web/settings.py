"""Django settings: everything comes from `marsad.conf` and the workspace."""

from pathlib import Path

import dj_database_url

from marsad import conf
from marsad.core.workspace import Workspace

WORKSPACE = Workspace(conf.home())
BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = conf.get("secret_key") or WORKSPACE.secret_key() or "marsad-no-workspace-yet"
DEBUG = conf.get("debug")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "marsad.custody",
    "marsad.evidence",
    "marsad.matching",
    "marsad.incidents",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "marsad.web.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
WSGI_APPLICATION = "marsad.web.wsgi.application"

_url = conf.get("database_url")
if _url:
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=0)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": WORKSPACE.database,
            "OPTIONS": {
                # IMMEDIATE: writers queue for the lock instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 60,
                # WAL: readers never wait for the writer. mmap and a 64 MB cache keep proofs in a
                # log of millions of events to a few page reads.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = WORKSPACE.home / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_tasks": {"handlers": ["console"], "level": "WARNING"}},
}
