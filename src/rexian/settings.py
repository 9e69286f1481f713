"""Django settings for Rexian, read from environment variables (see docs/configuration.md)."""

from pathlib import Path

import dj_database_url

from rexian.core.env import data_dir, env_bool, env_int, env_list, env_networks, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("REXIAN_DEBUG", False)
ALLOWED_HOSTS = env_list("REXIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("REXIAN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "rexian.core",
    "rexian.accounts",
    "rexian.directory",
    "rexian.workdays",
    "rexian.orders",
    "rexian.callbacks",
    "rexian.callcentre",
    "rexian.metrics",
    "rexian.knowledge",
    "rexian.routing",
    "rexian.dashboards",
    "rexian.channels",
    "rexian.telephony",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "rexian.core.nul.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rexian.urls"
WSGI_APPLICATION = "rexian.wsgi.application"

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
                "rexian.core.context.navigation",
            ],
        },
    },
]


def _database() -> dict:
    url = env_str("REXIAN_DATABASE_URL", f"sqlite:///{DATA_DIR / 'rexian.sqlite3'}")
    config = dj_database_url.parse(url, conn_max_age=env_int("REXIAN_DB_CONN_MAX_AGE", 60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take SQLite's write lock at BEGIN, so two
        # workflow actions on one order serialise instead of both reading the
        # old state; WAL lets readers go on while a writer works.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # mmap: page reads without a copy per read (the knowledge index reads thousands per search).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA mmap_size=268435456;",
        }
        # A file, not Django's shared-cache in-memory default, so tests meet the
        # same locking (busy timeout, WAL) as production.
        config["TEST"] = {"NAME": str(DATA_DIR / "test-rexian.sqlite3")}
    else:
        config["CONN_HEALTH_CHECKS"] = True
        # Short OLTP queries: JIT compilation only adds latency, and on SSDs random reads
        # cost about what sequential ones do (docs/benchmarks.md measures both).
        config["OPTIONS"] = {"options": env_str("REXIAN_PG_OPTIONS", "-c jit=off -c random_page_cost=1.1")}
    return config


DATABASES = {"default": _database()}
# axes.W006 wants the address in the lock-out key; see AXES_LOCKOUT_PARAMETERS for why it is not.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lock-out: 5 failures lock the username for 15 minutes.
AXES_FAILURE_LIMIT = env_int("REXIAN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("REXIAN_LOGIN_LOCK_MINUTES", 15, minimum=1) / 60
# The account is locked, not the address: agents share a call centre's NAT address,
# and one agent's typos must not lock out the whole room.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

# A verified API token is remembered this long per process: revoking it, or
# changing its user, takes effect at once in the process that saved the change
# and within this many seconds in the others (0: every request asks the database).
API_TOKEN_CACHE_SECONDS = env_int("REXIAN_API_TOKEN_CACHE_SECONDS", 10, minimum=0)

# Sessions end after 30 idle minutes: every request pushes the expiry forward.
SESSION_COOKIE_AGE = env_int("REXIAN_SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_COOKIES = env_bool("REXIAN_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("REXIAN_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies (addresses, networks) whose X-Forwarded-For names the client (core/server.py).
TRUSTED_PROXIES = env_networks("REXIAN_TRUSTED_PROXIES")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise serves from the installed packages, but wants the folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("REXIAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Workflow figures (configurable; defaults from GB/T 33358-2016 and common practice).
REXIAN = {
    # An open order is "due soon" (临期) this many hours before its deadline.
    "DUE_SOON_HOURS": env_int("REXIAN_DUE_SOON_HOURS", 24, minimum=1),
    # 未联系上 after this many callback attempts closes the callback.
    "CALLBACK_MAX_ATTEMPTS": env_int("REXIAN_CALLBACK_MAX_ATTEMPTS", 3, minimum=1),
    # Hours before another try after 未联系上.
    "CALLBACK_RETRY_HOURS": env_int("REXIAN_CALLBACK_RETRY_HOURS", 2, minimum=0),
    # Share (percent) of non-complaint orders sampled for callback; complaints and reports always.
    "CALLBACK_SAMPLE_PERCENT": env_int("REXIAN_CALLBACK_SAMPLE_PERCENT", 100, minimum=0),
    "DIRECT_ANSWER_SAMPLE_PERCENT": env_int("REXIAN_DIRECT_ANSWER_SAMPLE_PERCENT", 20, minimum=0),
    # After this many returns (退单) the dispatcher may designate (指定) a unit.
    "DESIGNATE_AFTER_RETURNS": env_int("REXIAN_DESIGNATE_AFTER_RETURNS", 3, minimum=1),
    # Roles that see citizens' full phone numbers in lists.
    "FULL_PHONE_ROLES": env_list("REXIAN_FULL_PHONE_ROLES", ["agent", "callback"]),
    # A unit is pre-selected for the dispatcher only when the catalogue and a model this
    # confident (percent) agree.
    "ROUTING_PRESELECT_CONFIDENCE": env_int("REXIAN_ROUTING_PRESELECT_CONFIDENCE", 80, minimum=1),
    # The worker retrains the routing models this often (hours; 0 = never).
    "ROUTING_RETRAIN_HOURS": env_int("REXIAN_ROUTING_RETRAIN_HOURS", 24, minimum=0),
    # The newest this many model versions of each kind keep their weights (tens of MB each);
    # older ones keep their row and metrics, and can no longer be rolled back to.
    "ROUTING_KEEP_MODELS": env_int("REXIAN_ROUTING_KEEP_MODELS", 10, minimum=1),
    # An intake's Idempotency-Key is honoured this many hours (a retry later registers anew).
    "IDEMPOTENCY_HOURS": env_int("REXIAN_IDEMPOTENCY_HOURS", 24, minimum=1),
    # Open orders of the last this many days are searched for duplicates (并单).
    "DUPLICATE_WINDOW_DAYS": env_int("REXIAN_DUPLICATE_WINDOW_DAYS", 30, minimum=1),
    # Call-centre figures (GB/T 33358: answer within 15 s; 24-hour connection rate ≥ 95 %).
    "CALL_ANSWER_SECONDS": env_int("REXIAN_CALL_ANSWER_SECONDS", 15, minimum=0),
    "CALL_SERVICE_LEVEL_TARGET_PERCENT": env_int("REXIAN_CALL_SERVICE_LEVEL_TARGET_PERCENT", 95, minimum=1),
    "CALL_CONNECTION_RATE_TARGET_PERCENT": env_int("REXIAN_CALL_CONNECTION_RATE_TARGET_PERCENT", 95, minimum=1),
    "CALL_SHORT_ABANDON_SECONDS": env_int("REXIAN_CALL_SHORT_ABANDON_SECONDS", 0),
    # Largest probe file (each) the monitoring dashboard accepts.
    "MONITORING_UPLOAD_MAX_BYTES": env_int("REXIAN_MONITORING_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1),
    # Citizen portal and Open311 (docs/channels.md).
    "PORTAL_PHOTO_MAX_MB": env_int("REXIAN_PORTAL_PHOTO_MAX_MB", 5, minimum=1),
    "PORTAL_PHOTO_MAX_COUNT": env_int("REXIAN_PORTAL_PHOTO_MAX_COUNT", 3, minimum=0),
    "PORTAL_FORM_MAX_AGE_MINUTES": env_int("REXIAN_PORTAL_FORM_MAX_AGE_MINUTES", 120, minimum=5),
    "PORTAL_SUBMITS_PER_IP_HOUR": env_int("REXIAN_PORTAL_SUBMITS_PER_IP_HOUR", 20, minimum=1),
    "PORTAL_SUBMITS_PER_PHONE_DAY": env_int("REXIAN_PORTAL_SUBMITS_PER_PHONE_DAY", 5, minimum=1),
    "PORTAL_LOOKUPS_PER_IP_HOUR": env_int("REXIAN_PORTAL_LOOKUPS_PER_IP_HOUR", 30, minimum=1),
    "PORTAL_LOOKUP_FAILURES_PER_CODE_HOUR": env_int("REXIAN_PORTAL_LOOKUP_FAILURES_PER_CODE_HOUR", 5, minimum=1),
    "PUBLIC_KNOWLEDGE_PER_IP_HOUR": env_int("REXIAN_PUBLIC_KNOWLEDGE_PER_IP_HOUR", 600, minimum=1),
    "PORTAL_RATING_CLOSES_CALLBACK": env_bool("REXIAN_PORTAL_RATING_CLOSES_CALLBACK", True),
    "OPEN311_JURISDICTION": env_str("REXIAN_OPEN311_JURISDICTION", "rexian.local"),
    "OPEN311_CONTACT": env_str("REXIAN_OPEN311_CONTACT", "12345 政务服务便民热线中心"),
    "OPEN311_KEY_SERVICE": env_str("REXIAN_OPEN311_KEY_SERVICE", "请向 12345 热线中心申请 api_key"),
    "OPEN311_ENDPOINT_TYPE": env_str("REXIAN_OPEN311_ENDPOINT_TYPE", "production"),
    "OPEN311_SERVICE_TYPE": env_str("REXIAN_OPEN311_SERVICE_TYPE", "realtime"),
    "OPEN311_ORDER_TYPE": env_str("REXIAN_OPEN311_ORDER_TYPE", "help"),
    "OPEN311_AGENCY": env_str("REXIAN_OPEN311_AGENCY", "12345 政务服务便民热线"),
    "OPEN311_PUBLISH_ALL_CHANNELS": env_bool("REXIAN_OPEN311_PUBLISH_ALL_CHANNELS", False),
    "OPEN311_POSTS_PER_KEY_HOUR": env_int("REXIAN_OPEN311_POSTS_PER_KEY_HOUR", 1000, minimum=1),
    # Published articles not updated for this many days are listed for review.
    "KNOWLEDGE_STALE_DAYS": env_int("REXIAN_KNOWLEDGE_STALE_DAYS", 180, minimum=1),
}

# Channels (docs/channels.md): an empty host, URL or token switches that part off.
REXIAN_EMAIL = {
    "IMAP_HOST": env_str("REXIAN_EMAIL_IMAP_HOST", ""),
    "IMAP_PORT": env_int("REXIAN_EMAIL_IMAP_PORT", 993, minimum=1),
    "IMAP_SECURITY": env_str("REXIAN_EMAIL_IMAP_SECURITY", "ssl"),  # ssl, starttls, none
    "IMAP_USER": env_str("REXIAN_EMAIL_IMAP_USER", ""),
    "IMAP_PASSWORD": env_str("REXIAN_EMAIL_IMAP_PASSWORD", ""),
    "IMAP_FOLDER": env_str("REXIAN_EMAIL_IMAP_FOLDER", "INBOX"),
    "IMAP_PROCESSED_FOLDER": env_str("REXIAN_EMAIL_IMAP_PROCESSED_FOLDER", ""),
    "SMTP_HOST": env_str("REXIAN_EMAIL_SMTP_HOST", ""),
    "SMTP_PORT": env_int("REXIAN_EMAIL_SMTP_PORT", 465, minimum=1),
    "SMTP_SECURITY": env_str("REXIAN_EMAIL_SMTP_SECURITY", "ssl"),
    "SMTP_USER": env_str("REXIAN_EMAIL_SMTP_USER", ""),
    "SMTP_PASSWORD": env_str("REXIAN_EMAIL_SMTP_PASSWORD", ""),
    "FROM_ADDRESS": env_str("REXIAN_EMAIL_FROM_ADDRESS", ""),
    "FROM_NAME": env_str("REXIAN_EMAIL_FROM_NAME", "12345政务服务便民热线"),
    "CA_FILE": env_str("REXIAN_EMAIL_CA_FILE", ""),
    "TIMEOUT": env_int("REXIAN_EMAIL_TIMEOUT", 30, minimum=1),
    "POLL_BATCH": env_int("REXIAN_EMAIL_POLL_BATCH", 50, minimum=1),
    "MAX_MESSAGE_KB": env_int("REXIAN_EMAIL_MAX_MESSAGE_KB", 25600, minimum=1),
    "MAX_ATTACHMENTS": env_int("REXIAN_EMAIL_MAX_ATTACHMENTS", 10),
    "MAX_ATTACHMENT_KB": env_int("REXIAN_EMAIL_MAX_ATTACHMENT_KB", 10240, minimum=1),
}
REXIAN_SMS = {
    "WEBHOOK_SECRET": env_str("REXIAN_SMS_WEBHOOK_SECRET", ""),
    "MAX_SKEW_SECONDS": env_int("REXIAN_SMS_MAX_SKEW_SECONDS", 300, minimum=1),
    "GATEWAY_URL": env_str("REXIAN_SMS_GATEWAY_URL", ""),
    "API_KEY": env_str("REXIAN_SMS_API_KEY", ""),
    "API_KEY_HEADER": env_str("REXIAN_SMS_API_KEY_HEADER", "X-API-Key"),
    "SENDER": env_str("REXIAN_SMS_SENDER", "12345"),
    "TIMEOUT": env_int("REXIAN_SMS_TIMEOUT", 10, minimum=1),
    "IDEMPOTENCY_PREFIX": env_str("REXIAN_SMS_IDEMPOTENCY_PREFIX", "rexian-"),
}
REXIAN_WECHAT = {
    "TOKEN": env_str("REXIAN_WECHAT_TOKEN", ""),
    "APP_ID": env_str("REXIAN_WECHAT_APP_ID", ""),
    "APP_SECRET": env_str("REXIAN_WECHAT_APP_SECRET", ""),
    "ENCODING_AES_KEY": env_str("REXIAN_WECHAT_ENCODING_AES_KEY", ""),
    "API_BASE": env_str("REXIAN_WECHAT_API_BASE", "https://api.weixin.qq.com"),
    "TIMEOUT": env_int("REXIAN_WECHAT_TIMEOUT", 10, minimum=1),
    "MAX_SKEW_SECONDS": env_int("REXIAN_WECHAT_MAX_SKEW_SECONDS", 300, minimum=1),
    "QUERY_KEY": env_str("REXIAN_WECHAT_QUERY_KEY", "QUERY_PROGRESS"),
    "WELCOME": env_str(
        "REXIAN_WECHAT_WELCOME", "欢迎关注12345政务服务便民热线。请直接发送文字、图片或位置反映问题，我们将为您登记工单。"
    ),
}
# First-response limits in minutes (GB/T 33358-2016: SMS and other media 3 min, mailbox 24 h).
REXIAN_FIRST_RESPONSE_MINUTES = {
    "sms": env_int("REXIAN_FIRST_RESPONSE_MINUTES_SMS", 3, minimum=1),
    "wechat": env_int("REXIAN_FIRST_RESPONSE_MINUTES_WECHAT", 3, minimum=1),
    "web": env_int("REXIAN_FIRST_RESPONSE_MINUTES_WEB", 3, minimum=1),
    "app": env_int("REXIAN_FIRST_RESPONSE_MINUTES_APP", 3, minimum=1),
    "email": env_int("REXIAN_FIRST_RESPONSE_MINUTES_EMAIL", 1440, minimum=1),
}
