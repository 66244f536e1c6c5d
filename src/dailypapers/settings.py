"""Settings come from the environment (12-factor); every default suits a laptop."""

import os
import secrets
from pathlib import Path

import dj_database_url

SOURCE_DIR = Path(__file__).resolve().parent
REPO_DIR = SOURCE_DIR.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


# All local state (database, search index, caches) lives under one folder.
HOME = Path(env("DAILYPAPERS_HOME", "var")).resolve()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := env("DAILYPAPERS_SECRET_KEY"):
        return key
    # Persisted so sessions and signed links survive restarts on a laptop install.
    key_file = HOME / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DAILYPAPERS_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in env("DAILYPAPERS_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dailypapers.papers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dailypapers.urls"
WSGI_APPLICATION = "dailypapers.wsgi.application"

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
            ],
        },
    },
]

SQLITE_OPTIONS = {
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock up front
    # so two writers queue on busy_timeout instead of failing with "database is locked".
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}


def _database() -> dict:
    url = env("DATABASE_URL")
    config = (
        dj_database_url.parse(url, conn_max_age=60)
        if url
        else {"ENGINE": "django.db.backends.sqlite3", "NAME": str(HOME / "dailypapers.sqlite3")}
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "dailypapers": {"handlers": ["console"], "level": env("DAILYPAPERS_LOG_LEVEL", "INFO")}
    },
}

# arXiv access. Endpoints are overridable so tests and mirrors can point them elsewhere.
ARXIV_API_URL = env("DAILYPAPERS_ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = env("DAILYPAPERS_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_CONTACT = env("DAILYPAPERS_CONTACT", "admin@localhost")
# arXiv asks for no more than one request every three seconds.
ARXIV_MIN_INTERVAL = float(env("DAILYPAPERS_ARXIV_MIN_INTERVAL", "3"))
ARXIV_MAX_RETRIES = int(env("DAILYPAPERS_ARXIV_MAX_RETRIES", "4"))
ARXIV_TIMEOUT = float(env("DAILYPAPERS_ARXIV_TIMEOUT", "30"))
ARXIV_MAX_PAGES = int(env("DAILYPAPERS_ARXIV_MAX_PAGES", "50"))
ARXIV_PAGE_SIZE = int(env("DAILYPAPERS_ARXIV_PAGE_SIZE", "100"))
# Categories fetched by the first run when arXiv is reachable.
FIRST_RUN_CATEGORIES = env("DAILYPAPERS_FIRST_RUN_CATEGORIES", "cs.*").split(",")
# Real records loaded when arXiv is unreachable, so the site is never empty.
_FIXTURES = REPO_DIR / "tests" / "fixtures" / "arxiv"
SAMPLE_PATHS = [
    _FIXTURES / "kaggle_jsonl" / "wanng-ide_arxiv-metadata-oai-snapshot_head200.jsonl",
    _FIXTURES / "derived_api_json" / "nithinans_arxiv_data_e87ddca.json",
    _FIXTURES / "api_atom" / "q_testing_s0_m100_cfe7536492ca.xml",
]
