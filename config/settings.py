"""The portal's one settings module, driven by environment variables.

Development defaults apply only when DJANGO_DEBUG is on; production (the default)
refuses to start without a real secret key. See README.md for every variable.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from common.test_mode import SANDBOX_WEBHOOK_SECRET
from config.env import env_bool, env_decimal, env_int, env_json_object, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

# Used only with DJANGO_DEBUG on; refused in production below.
_DEV_SECRET_KEY = "dev-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = _DEV_SECRET_KEY
if not DEBUG and (
    len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY == _DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters when "
        "DJANGO_DEBUG is off. Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.PortalAdminConfig",  # Django's admin on accounts.admin_site.PortalAdminSite (second factor)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "orgs",
    "donations",
    "reports",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with the second factor
    "common.audit.StaffAuditMiddleware",  # staff requests write the audit trail, with who
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.pagecache.PublicPageCacheMiddleware",  # last: serves anonymous public pages without running the view
]

# Content-Security-Policy (django-csp, through config.csp, which adds Stripe Checkout to form-action): only what the
# portal serves; no inline script or style anywhere (templates carry none; tests/test_templates.py keeps it so).
# Bootstrap's form controls draw their arrows and ticks with data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "donations.context_processors.stripe_mode",
            ],
        },
    },
]

# Database: SQLite is the embedded default; DATABASE_URL switches (e.g. to PostgreSQL).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent requests (a webhook and the donor's return page together): write
    # transactions take the lock when they begin, so two of them queue instead of failing with "database is
    # locked" when both try to upgrade a read lock; waiting writers get a busy timeout; WAL lets readers go on.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1, maximum=60))
    # Server-side cursors here (CSV exports) always read to the end: plan for the whole result, not the first rows.
    _pg_options.setdefault("options", "-c cursor_tuple_fraction=1.0")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, process memory otherwise.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            # A Redis that is down or unreachable costs a request at most these seconds per cache call, never a
            # hang: pages are then rendered without the cache and the rate limits refuse (common.ratelimit).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = ["accounts.backends.CaseInsensitiveBackend"]
# Staff's second factor (django-otp, TOTP): the admin and money actions need a session verified with a code from
# an authenticator app; the issuer names the portal in that app.
OTP_TOTP_ISSUER = "Refugee Aid Portal"
OTP_ADMIN_HIDE_SENSITIVE_DATA = False  # superusers enrolling a colleague see the device's QR code (admin: TOTP devices)
# The audit trail (django-auditlog): who changed what, when; never the staff member's address.
AUDITLOG_DISABLE_REMOTE_ADDR = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:index"
LOGOUT_REDIRECT_URL = "orgs:directory"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600  # an invitation link lasts three days

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files: served by whitenoise from the repo's static/ folder (no CDN).
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers and crawlers ask for at the site's root (/favicon.ico), served by whitenoise as they are.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
# Photos of organizations' updates: never under MEDIA_ROOT (which a web server may serve), only through the views
# that check an update is published, or that the visitor is its organization's member or staff.
PRIVATE_MEDIA_ROOT = Path(env_str("DJANGO_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
# Uploads (organizations' logos) go through Django's storage API only: on one machine, or several sharing a disk,
# files under MEDIA_ROOT, served by config.views.media; S3-compatible storage is a setting, e.g.
# DJANGO_MEDIA_STORAGE=storages.backends.s3.S3Storage (pip install django-storages[s3]) with
# DJANGO_MEDIA_STORAGE_OPTIONS='{"bucket_name": "portal-media", "endpoint_url": "https://s3.example.org"}'.
STORAGES = {
    "default": {
        "BACKEND": env_str("DJANGO_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": env_json_object("DJANGO_MEDIA_STORAGE_OPTIONS"),
    },
    "staticfiles": {
        # Compressed, content-hashed names in production; plain names while developing and testing,
        # so no collectstatic is needed before a test run.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: printed to the console while developing; SMTP settings from the environment otherwise.
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10, minimum=1, maximum=120)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Refugee Aid Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: strict in production, overridable from the environment (e.g. behind a TLS proxy).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the portal append to X-Forwarded-For (for per-address rate limits); 0: none.
TRUSTED_PROXY_HOPS = env_int(
    "TRUSTED_PROXY_HOPS", 1 if env_bool("DJANGO_BEHIND_TLS_PROXY", False) else 0, minimum=0, maximum=5
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},
    },
}

# The directory: how many organizations a page lists, and how long a verification lasts.
DIRECTORY_PAGE_SIZE = env_int("DIRECTORY_PAGE_SIZE", 12, minimum=1, maximum=100)
VERIFICATION_VALID_DAYS = env_int("VERIFICATION_VALID_DAYS", 365, minimum=1)

# Stripe. No STRIPE_SECRET_KEY: the local sandbox (stripe_sandbox) at STRIPE_API_BASE, test mode.
# A live key (sk_live_...) switches the sandbox off and needs the webhook secret.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_SANDBOX = not STRIPE_SECRET_KEY
STRIPE_LIVE = STRIPE_SECRET_KEY.startswith(("sk_live_", "rk_live_"))
STRIPE_API_KEY = STRIPE_SECRET_KEY or "sk_test_sandbox"
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "http://127.0.0.1:12111") if STRIPE_SANDBOX else ""
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET").strip()
if STRIPE_WEBHOOK_SECRET in ("", SANDBOX_WEBHOOK_SECRET) and (STRIPE_LIVE or not DEBUG):
    # The development secret is published in the repository: anyone could sign "paid" events with it.
    raise ImproperlyConfigured(
        "STRIPE_WEBHOOK_SECRET must be set to the webhook endpoint's own signing secret (whsec_...) when "
        "DJANGO_DEBUG is off or STRIPE_SECRET_KEY is a live key; the development secret in common/test_mode.py "
        "is public and is never accepted there."
    )
STRIPE_WEBHOOK_SECRET = STRIPE_WEBHOOK_SECRET or SANDBOX_WEBHOOK_SECRET
STRIPE_TIMEOUT_SECONDS = env_int(
    "STRIPE_TIMEOUT_SECONDS", 8, minimum=1, maximum=25
)  # well under gunicorn's 30 s worker timeout
STRIPE_MAX_NETWORK_RETRIES = min(env_int("STRIPE_MAX_NETWORK_RETRIES", 2, minimum=0), 2)
# The longest a donor's request (the Give form's confirmation, the return pages, stopping a monthly gift) waits on
# Stripe, every try and back-off included: then the donor is told to try again, the pledge kept. A slow Stripe so
# holds one worker thread at most this long, never the 25 s that three full tries would take.
STRIPE_DONOR_WAIT_SECONDS = env_int("STRIPE_DONOR_WAIT_SECONDS", 8, minimum=1, maximum=25)
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
STRIPE_FEE_PERCENT = env_decimal(
    "STRIPE_FEE_PERCENT", "2.9", minimum="0", maximum="20"
)  # estimate shown to donors who add the fee

# Background tasks (receipts): run at once while developing, by `manage.py db_worker` in production.
TASKS = {
    "default": {
        "BACKEND": env_str(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend" if DEBUG else "django_tasks_db.DatabaseBackend",
        )
    }
}

# Giving: how many pledge starts one email, and one address (which many donors may share: a mobile carrier, an
# office, a church's giving day), may make per window (card-testing brakes, with the honeypot and the minimums).
PLEDGE_RATE_LIMIT = env_int("PLEDGE_RATE_LIMIT", 10, minimum=1)
PLEDGE_RATE_LIMIT_PER_ADDRESS = env_int("PLEDGE_RATE_LIMIT_PER_ADDRESS", 100, minimum=1)
# Sign-in: attempts per client address per window, and wrong passwords per account before it cools down for
# addresses it never signed in from (accounts.forms.ThrottledSignIn).
LOGIN_RATE_LIMIT = env_int("LOGIN_RATE_LIMIT", 20, minimum=1)
PASSWORD_RESET_RATE_LIMIT = env_int("PASSWORD_RESET_RATE_LIMIT", 5, minimum=1)  # per address and per email
PLEDGE_RATE_WINDOW_SECONDS = env_int("PLEDGE_RATE_WINDOW_SECONDS", 3600, minimum=1)
PLEDGE_PENDING_RECONCILE_MINUTES = env_int("PLEDGE_PENDING_RECONCILE_MINUTES", 30, minimum=1)
# The donor's page (/donations/mine/): sign-in links asked per email and per client address per window.
DONOR_LINK_RATE_LIMIT = env_int("DONOR_LINK_RATE_LIMIT", 5, minimum=1)
DONOR_LINK_RATE_LIMIT_PER_ADDRESS = env_int("DONOR_LINK_RATE_LIMIT_PER_ADDRESS", 30, minimum=1)
# Retention: a donor's identity is erased this many days after a pledge's last payment (7 years for accounting).
DONOR_DATA_RETENTION_DAYS = env_int("DONOR_DATA_RETENTION_DAYS", 7 * 365 + 2, minimum=1)

# The portal's public address, for links in emails (receipts, stop links).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")
