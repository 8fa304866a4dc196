"""Django settings: everything comes from `marsad.conf` and the workspace."""

import secrets
from pathlib import Path

import dj_database_url

from marsad import conf
from marsad.core.workspace import MissingSecretKey, Workspace

WORKSPACE = Workspace(conf.home())
BASE_DIR = Path(__file__).resolve().parent.parent

try:
    # Never a fixed stand-in: with no workspace yet (`marsad manage makemessages`), a key
    # for this process only, so nothing kept can be keyed by a secret anyone knows.
    SECRET_KEY = conf.get("secret_key") or WORKSPACE.secret_key() or secrets.token_urlsafe(50)
except MissingSecretKey as e:
    raise SystemExit(f"marsad: {e}") from None
DEBUG = conf.get("debug")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "marsad.web",  # first: its templates override allauth's
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "marsad.custody",
    "marsad.evidence",
    "marsad.matching",
    "marsad.workers",
    "marsad.access",
    "marsad.incidents",
    "marsad.search",
    "marsad.api",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",  # every page needs a login unless marked
    "marsad.web.checkpoints.CheckpointMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]
ROOT_URLCONF = "marsad.web.urls"
_LOADERS = ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "marsad.web.context.navigation",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [("template_partials.loader.Loader",
                         _LOADERS if DEBUG else [("django.template.loaders.cached.Loader", _LOADERS)])],
        },
    }
]

# Accounts: usernames (no e-mail needed in the field), TOTP two-factor with recovery codes,
# lockout after repeated failures, no self sign-up (a manager adds people).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "marsad.web.accounts.NoSignupAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Marsad"
MFA_RECOVERY_CODE_COUNT = 10
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]  # a shared office IP must not lock out the whole team
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_VERBOSE = False

# Sessions and CSRF: cookies never readable by scripts, never sent cross-site; HTTPS-only
# cookies unless serving plain HTTP on loopback (the laptop default).
_HTTPS = conf.get("https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_SECURE = _HTTPS
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page's meta tag, not the cookie
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SECURE = _HTTPS
CSRF_FAILURE_VIEW = "marsad.web.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _HTTPS:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ALLOWED_HOSTS += [h for h in conf.get("allowed_hosts").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in conf.get("trusted_origins").split(",") if o]

# No request to any host but the app's own: scripts only with this response's nonce.
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Uploads: large files go through the resumable endpoint in pieces; plain forms stay small.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
WSGI_APPLICATION = "marsad.web.wsgi.application"

_url = conf.get("database_url")
if _url:
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # No JIT: compiling a plan (30-150 ms) costs more than the pages' queries take; at a
        # million items the planner's estimates for full-text filters cross its threshold.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
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

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "match"]}}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
STATIC_URL = "static/"
STATIC_ROOT = None  # served from the package by whitenoise; no collectstatic for a laptop
# Serve straight from the package's static folders: no collectstatic step for a laptop.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_tasks": {"handlers": ["console"], "level": "WARNING"}},
}
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # lockout is per username on purpose: a shared office IP must not lock out a team
