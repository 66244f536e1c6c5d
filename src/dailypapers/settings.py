"""Settings come from the environment (12-factor); every default suits a laptop."""

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import dj_database_url

SOURCE_DIR = Path(__file__).resolve().parent


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
# Production mode (`dailypapers serve --prod`): DEBUG off, hashed static files, secure cookies
# and HSTS (sent on HTTPS requests only, i.e. behind a TLS-terminating proxy).
PRODUCTION = env_bool("DAILYPAPERS_PRODUCTION", False)
DEBUG = env_bool("DAILYPAPERS_DEBUG", False) and not PRODUCTION
BASE_URL = env("DAILYPAPERS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_BASE_HOST = BASE_URL.split("://", 1)[-1].split("/")[0].split(":")[0]
ALLOWED_HOSTS = [
    h.strip()
    for h in env("DAILYPAPERS_ALLOWED_HOSTS", f"{_BASE_HOST},127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [BASE_URL] if BASE_URL.startswith("https://") else []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dailypapers.papers",
    "dailypapers.accounts",
    "dailypapers.links",
    "dailypapers.people",
    "dailypapers.feed",
    "dailypapers.search",
    "dailypapers.thumbnails",
    "dailypapers.summaries",
    "dailypapers.library",
    "dailypapers.recommend",
    "dailypapers.notifications",
    "dailypapers.digests",
    "dailypapers.api",
    "dailypapers.site",
    # Serves the API docs' Swagger UI from our static files (pinned by the django-ninja
    # version) instead of an unpinned CDN copy, and with no inline script.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so cached pages carry the header too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, with the one policy built once per process (core/csp.py).
    "dailypapers.core.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers anonymous GETs from the page cache before sessions and CSRF are touched.
    "dailypapers.core.page_cache.AnonymousPageCacheMiddleware",
    "dailypapers.api.throttle.ApiRateLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "dailypapers.site.urls"
WSGI_APPLICATION = "dailypapers.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} and {% static %} remembered per process (docs/performance.md).
            "builtins": [
                "dailypapers.core.url_tag",
                "dailypapers.core.static_tag",
                "dailypapers.core.remember_tag",
            ],
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

POSTGRES_OPTIONS = {
    # Parameters sent apart from the SQL (server-side binding), so psycopg can prepare the
    # statements a connection runs again and again: PostgreSQL then skips parsing and planning
    # them (docs/performance.md, "Third round").
    "server_side_binding": True,
    "prepare_threshold": 5,
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
        # Persistent, as on PostgreSQL: opening the file and running the WAL pragmas cost more
        # than the whole cached page (bench/pages.py, docs/performance.md). Each statement
        # outside a transaction reads the newest commit, so other processes' writes show.
        config.setdefault("CONN_MAX_AGE", 60)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["OPTIONS"] = {**POSTGRES_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
if PRODUCTION:
    # Content-hashed, pre-compressed files with far-future cache headers (`serve --prod`
    # runs collectstatic first).
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    # Serve app static files straight from the source tree, so `make run` needs no collectstatic.
    WHITENOISE_USE_FINDERS = True

CACHES = {
    # Rendered pages for anonymous visitors, per process; invalidated through the database.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 300},
}
PAGE_CACHE_SECONDS = int(env("DAILYPAPERS_PAGE_CACHE_SECONDS", "300"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
SESSION_COOKIE_HTTPONLY = True
# Secure cookies by default in production; DAILYPAPERS_SECURE_COOKIES=0 for a plain-HTTP intranet.
SESSION_COOKIE_SECURE = env_bool("DAILYPAPERS_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # The reverse proxy terminates TLS and says so in X-Forwarded-Proto (docs/deploy.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("DAILYPAPERS_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_SSL_REDIRECT = env_bool("DAILYPAPERS_SSL_REDIRECT", False)
    X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (set outside the page cache, so cached pages carry
# it too): scripts only from our own origin and never inline, no plugins, no <base>, no framing.
# Inline style attributes stay allowed (no style-src): they cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}


def _trusted_proxies(text: str) -> list[str]:
    import ipaddress

    entries = [part.strip() for part in text.split(",") if part.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ValueError(
                f"DAILYPAPERS_TRUSTED_PROXIES: {entry!r} is not an address or CIDR"
            ) from error
    return entries


# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated).
# Empty: REMOTE_ADDR is the client. See accounts/clients.py and docs/security.md.
TRUSTED_PROXIES = _trusted_proxies(env("DAILYPAPERS_TRUSTED_PROXIES"))
# Failed logins allowed per username and per client address in LOGIN_RATE_WINDOW seconds.
LOGIN_RATE_LIMIT = int(env("DAILYPAPERS_LOGIN_RATE_LIMIT", "5"))
LOGIN_RATE_WINDOW = 15 * 60

# The rate-counter table is pruned of expired rows and held under this many rows.
RATE_COUNTER_MAX_ROWS = int(env("DAILYPAPERS_RATE_COUNTER_MAX_ROWS", "100000"))

# API requests per minute, per client address and per token.
API_RATE_PER_IP = int(env("DAILYPAPERS_API_RATE_PER_IP", "300"))
API_RATE_PER_TOKEN = int(env("DAILYPAPERS_API_RATE_PER_TOKEN", "120"))

# Papers one user may put on a day's list; curators have no limit.
SUBMISSIONS_PER_DAY = int(env("DAILYPAPERS_SUBMISSIONS_PER_DAY", "5"))
# Papers a non-curator may have fetched from arXiv per hour (per user and per client address).
ARXIV_FETCHES_PER_HOUR = int(env("DAILYPAPERS_ARXIV_FETCHES_PER_HOUR", "20"))
# Links a non-curator may propose per hour (per user and per client address).
LINK_PROPOSALS_PER_HOUR = int(env("DAILYPAPERS_LINK_PROPOSALS_PER_HOUR", "20"))
SITE_NAME = env("DAILYPAPERS_SITE_NAME", "dailypapers")


@dataclass(frozen=True)
class _Mail:
    """Django's mail settings; the defaults are Django's own."""

    backend: str = "django.core.mail.backends.console.EmailBackend"
    host: str = "localhost"
    port: int = 25
    user: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False
    timeout: int | None = None


def _mail(url: str) -> _Mail:
    """EMAIL_URL: smtp://host:port, smtp+tls://user:pass@host:587, smtp+ssl://…, or console:"""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme in {"", "console"}:
        return _Mail()
    if parts.scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise ValueError(f"EMAIL_URL: unsupported scheme {parts.scheme!r}")
    return _Mail(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname or "localhost",
        port=parts.port or 25,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_tls=parts.scheme == "smtp+tls",
        use_ssl=parts.scheme == "smtp+ssl",
        timeout=30,
    )


_MAIL = _mail(env("EMAIL_URL", "console:"))
EMAIL_BACKEND = _MAIL.backend
EMAIL_HOST = _MAIL.host
EMAIL_PORT = _MAIL.port
EMAIL_HOST_USER = _MAIL.user
EMAIL_HOST_PASSWORD = _MAIL.password
EMAIL_USE_TLS = _MAIL.use_tls
EMAIL_USE_SSL = _MAIL.use_ssl
EMAIL_TIMEOUT = _MAIL.timeout
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "dailypapers <dailypapers@localhost>")
# Digest mail: the mailto: of List-Unsubscribe, and the domain of Message-IDs.
DIGEST_UNSUBSCRIBE_MAILBOX = env("DAILYPAPERS_UNSUBSCRIBE_MAILBOX", "unsubscribe@localhost")
DIGEST_MESSAGE_DOMAIN = env("DAILYPAPERS_MESSAGE_DOMAIN", _BASE_HOST)
# Encrypts chat channel URLs at rest (digests/secrets.py); derived from SECRET_KEY when unset.
CHANNEL_KEY = env("DAILYPAPERS_CHANNEL_KEY")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "dailypapers": {"handlers": ["console"], "level": env("DAILYPAPERS_LOG_LEVEL", "INFO")},
        # Every unhandled exception in a view, with its traceback, once. Django's default
        # sends these to a console handler only while DEBUG is on, and to mail_admins (no
        # ADMINS here) otherwise, so `serve --prod` logged none of them.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # apprise and urllib3 log request URLs, which hold chat channels' secrets, at DEBUG:
        # never shown. Channel errors reach the log through dailypapers.digests.channels,
        # scrubbed (digests/secrets.py).
        "apprise": {"handlers": [], "level": "WARNING", "propagate": False},
        "urllib3": {"level": "WARNING"},
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
# Seconds a web request (submit, fetch) may spend on arXiv in all, waits and retries included;
# commands keep the patience above.
ARXIV_WEB_TIMEOUT = float(env("DAILYPAPERS_ARXIV_WEB_TIMEOUT", "5"))
ARXIV_MAX_PAGES = int(env("DAILYPAPERS_ARXIV_MAX_PAGES", "50"))
ARXIV_PAGE_SIZE = int(env("DAILYPAPERS_ARXIV_PAGE_SIZE", "100"))
# GitHub's REST API, read by `refresh-github` for repository stars (links/github.py). Without a
# token GitHub allows 60 requests an hour per address; with one, 5,000.
GITHUB_API_URL = env("DAILYPAPERS_GITHUB_API_URL", "https://api.github.com").rstrip("/")
GITHUB_TOKEN = env("DAILYPAPERS_GITHUB_TOKEN")
# GitHub asks for requests one at a time, not concurrently; one a second stays far from its
# secondary limits (at most 900 points a minute for REST).
GITHUB_MIN_INTERVAL = float(env("DAILYPAPERS_GITHUB_MIN_INTERVAL", "1"))
# Categories fetched by the first run when arXiv is reachable.
FIRST_RUN_CATEGORIES = env("DAILYPAPERS_FIRST_RUN_CATEGORIES", "cs.*").split(",")
# Real records loaded when arXiv is unreachable, so the site is never empty: 1,000 recent
# papers over every arXiv category, shipped inside the package (tools/make_sample.py).
SAMPLE_PATHS = [SOURCE_DIR / "papers" / "sample" / "recent_papers.jsonl.gz"]

# First-page thumbnails (`dailypapers thumbnails`): PDFs come from arXiv through the same
# polite session as the API, capped in size; the images live under media/ (docs/deploy.md
# has nginx serve them directly).
MEDIA_ROOT = HOME / "media"
ARXIV_PDF_URL = env("DAILYPAPERS_ARXIV_PDF_URL", "https://arxiv.org/pdf/")
THUMBNAIL_MAX_PDF_BYTES = int(float(env("DAILYPAPERS_THUMBNAIL_MAX_PDF_MB", "25")) * 1_000_000)
# Seconds one PDF may take in all (waits, retries, reading); a slow one is tried another day.
THUMBNAIL_FETCH_BUDGET = float(env("DAILYPAPERS_THUMBNAIL_FETCH_BUDGET", "120"))
# A skipped paper is tried again after this many hours, doubling each time (30 days at most).
THUMBNAIL_RETRY_HOURS = float(env("DAILYPAPERS_THUMBNAIL_RETRY_HOURS", "6"))
# send-digests draws the thumbnails of the period's papers before sending.
THUMBNAILS_WITH_DIGESTS = env_bool("DAILYPAPERS_THUMBNAILS_WITH_DIGESTS", False)

# List cards show the first keywords of each paper as chips (search/card_parts.py).
SHOW_CARD_KEYWORDS = env_bool("DAILYPAPERS_CARD_KEYWORDS", True)

# Optional LLM summaries (`dailypapers summarize`, summaries/client.py): an OpenAI-compatible
# server's base URL without /v1 (a trailing /v1 is accepted), the model and a Bearer key.
LLM_URL = env("DAILYPAPERS_LLM_URL")
LLM_MODEL = env("DAILYPAPERS_LLM_MODEL")
LLM_KEY = env("DAILYPAPERS_LLM_KEY")
LLM_CONCURRENCY = max(1, int(env("DAILYPAPERS_LLM_CONCURRENCY", "4")))  # requests in flight
LLM_DAILY_REQUESTS = int(env("DAILYPAPERS_LLM_DAILY_REQUESTS", "1000"))  # per UTC day
LLM_DAILY_TOKENS = int(env("DAILYPAPERS_LLM_DAILY_TOKENS", "0"))  # per UTC day; 0: no cap
LLM_TIMEOUT = float(env("DAILYPAPERS_LLM_TIMEOUT", "60"))  # seconds to connect, and between bytes
LLM_RETRIES = int(env("DAILYPAPERS_LLM_RETRIES", "3"))  # after a timeout, 429 or 5xx
LLM_BACKOFF = float(env("DAILYPAPERS_LLM_BACKOFF", "2"))  # seconds, doubled per retry
# A Retry-After longer than this ends the run (the papers left wait for the next one).
LLM_MAX_PAUSE = float(env("DAILYPAPERS_LLM_MAX_PAUSE", "300"))

# Resolve the authors of imported papers as they are imported. A bulk load (a snapshot of
# all arXiv) may turn this off and run `dailypapers authors` once after: resolving from
# memory, it stays fast as the corpus grows, where per-batch database lookups slowed a
# generated import to 180 papers/s by 150k (docs/authors.md).
AUTHORS_ON_IMPORT = env_bool("DAILYPAPERS_AUTHORS_ON_IMPORT", True)

# Search: the index lives beside the database; the embedding model is pluggable.
SEARCH_INDEX_DIR = Path(env("DAILYPAPERS_SEARCH_INDEX", str(HOME / "search")))
SEARCH_EMBEDDING_MODEL = env("DAILYPAPERS_EMBEDDING_MODEL", "wordllama")
# Index papers as they are imported; bulk loads may turn this off and run `reindex` after.
SEARCH_INDEX_ON_IMPORT = env_bool("DAILYPAPERS_INDEX_ON_IMPORT", True)
