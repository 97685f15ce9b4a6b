"""Settings shared by every environment. Deploy-time values come from the environment."""

import re
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

from cms.settings.services import cache_config, celery_config, database_config, redis_urls

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cms",
    "manifesto",
    "crowdfund",
    "stories",
    "local",
    "notifications",
    "meetings",
    "newsletters",
    "anymail",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # Anonymous pages from the shared cache, before any per-request work (cms/cache.py):
    # first, so what it stores has every header the middleware below adds.
    "cms.cache.AnonymousPageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cms.security.PermissionsPolicyMiddleware",
    # A request body over its address's limit is refused before it is read.
    "cms.security.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The request's site, root paths, private sections and menus in one cache read.
    "cms.sitewide.SitewideMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Turns django-ratelimit's Ratelimited exception into the friendly 429 page.
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, so a locked-out login answers before anything else runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "notifications.context_processors.notifications",
            ],
        },
    },
]

# --- Backing services ------------------------------------------------------------
DATABASES = {"default": database_config(env, BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# REDIS_URL: the Celery broker, and the cache too unless CACHE_REDIS_URL names its own
# (evicting) Redis; see README, "Scaling out".
CACHE_REDIS_URL, REDIS_URL = redis_urls(env)
CACHES = cache_config(CACHE_REDIS_URL)
# Sessions are kept in the database (durable: a Redis restart signs nobody out) and read
# through the cache, so a signed-in request costs a cache GET rather than a query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
globals().update(celery_config(REDIS_URL))
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# max_retries 0: a page handing work to a broker that is down fails over to the inbox or
# outbox at once, instead of retrying the connection for about six seconds per call.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0}
CELERY_BEAT_SCHEDULE: dict = {}
# Queues by kind, so one backlog never delays another (README, "Workers and queues"):
# Stripe webhooks, email (the outbox, receipts, announcements), ranking recomputes, and
# everything else on Celery's own default queue. A worker started without -Q consumes
# all four (the demo runs tasks eagerly: nothing changes there).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue("celery", routing_key="celery"),
    Queue("webhooks", routing_key="webhooks"),
    Queue("email", routing_key="email"),
    Queue("rankings", routing_key="rankings"),
]
CELERY_TASK_ROUTES = {
    "crowdfund.tasks.apply_webhook_event": {"queue": "webhooks"},
    "crowdfund.tasks.drain_webhook_inbox": {"queue": "webhooks"},
    "crowdfund.tasks.apply_pending_webhook_events": {"queue": "webhooks"},
    "crowdfund.tasks.send_receipt": {"queue": "email"},
    "crowdfund.tasks.send_receipts": {"queue": "email"},
    "crowdfund.tasks.announce_milestone": {"queue": "email"},
    "crowdfund.tasks.email_update": {"queue": "email"},
    "cms.tasks.deliver_email": {"queue": "email"},
    "cms.tasks.send_pending_emails": {"queue": "email"},
    "manifesto.tasks.tell_voters_votes_reset": {"queue": "email"},
    "manifesto.tasks.recompute_rankings": {"queue": "rankings"},
    "newsletters.tasks.queue_newsletter": {"queue": "email"},
    "newsletters.tasks.send_newsletter": {"queue": "email"},
    "newsletters.tasks.send_due_newsletters": {"queue": "email"},
    # A retried edge purge (cms/edge.py) waits with the rest, behind nothing urgent.
    "cms.edge.purge_edge_again": {"queue": "celery"},
    # Beat's daily look for crowdfunds closing soon: notifications, not mail, so no hurry.
    "crowdfund.news.tell_followers_deadline_near": {"queue": "celery"},
}

# --- Accounts ---------------------------------------------------------------------
AUTH_USER_MODEL = "cms.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Django's and django-allauth's backends, with the user and their groups from the cache.
    "cms.auth_backends.ModelBackend",
    "cms.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"  # without `next`; cms.accounts.AccountAdapter decides
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "cms.forms.SignupDetailsForm"
ACCOUNT_ADAPTER = "cms.accounts.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "cms.account_forms.SiteLoginForm",
    "signup": "cms.account_forms.SiteSignupForm",
    "reset_password": "cms.account_forms.SiteResetPasswordForm",
    "reset_password_from_key": "cms.account_forms.SiteResetPasswordKeyForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Alliance Hub] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")

# Brute-force protection on every login form (site and admin).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=8)
AXES_COOLOFF_TIME = 0.25  # hours
# Locked per account and address together: failures for other addresses (made up or
# not) never lock anyone else out, however many people share the address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A lockout is a page in the site's layout that says what happened and what to do.
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
# django-allauth's own limit on failed sign-ins is per address only: its default also
# counts failures per account from anywhere (5 in 5 minutes), which let anyone lock a real
# person out by naming their address. Per account *and* address is axes's job, above.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
# The sign-in form's `login` field, the admin's `username`, allauth's `email=` credential.
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "cms.accounts.sign_in_name"
# Behind a reverse proxy: how many proxies (each appending to X-Forwarded-For) to trust
# for the visitor's address. 0 reads REMOTE_ADDR only (cms/client_address.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "cms.client_address.client_ip"
RATELIMIT_IP_META_KEY = "cms.client_address.client_ip"

# --- Email: every message is handed to a Celery task after the transaction commits.
EMAIL_BACKEND = "cms.mail.CeleryEmailBackend"
EMAIL_DELIVERY_BACKEND = env(
    "EMAIL_DELIVERY_BACKEND", default="django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Alliance Hub <hello@alliancehub.example>")
# Where the contact page relays messages unless the page names its own inbox (never shown).
CONTACT_EMAIL = env("CONTACT_EMAIL", default="hello@alliancehub.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Messages wait in the outbox (cms/mail.py); this sends any the broker or a worker lost.
CELERY_BEAT_SCHEDULE["cms-send-pending-emails"] = {
    "task": "cms.tasks.send_pending_emails",
    "schedule": env.float("EMAIL_CATCH_UP_SECONDS", default=60.0),
}
# How old an unsent message must be before the catch-up sends it (its own task goes first).
EMAIL_CATCH_UP_AFTER_SECONDS = env.float("EMAIL_CATCH_UP_AFTER_SECONDS", default=60.0)
# Sent messages stay this long (to answer "did my email go?"), then are deleted.
EMAIL_OUTBOX_KEEP_DAYS = env.int("EMAIL_OUTBOX_KEEP_DAYS", default=30)

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# The only folders under MEDIA_ROOT a web server may serve at MEDIA_URL (renditions and
# admin avatars); documents have their own view with privacy checks (cms/urls.py).
PUBLIC_MEDIA_FOLDERS = ["images", "avatar_images"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
# The largest request body each kind of address accepts, refused (413) from its declared
# length before it is read (cms.security): forms are small, uploads larger. The first
# pattern that matches the path decides, then the routes apps register (the story form,
# STORY_UPLOAD_MAX_BYTES); anything else gets REQUEST_BODY_MAX_BYTES.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=1024 * 1024)
REQUEST_BODY_LIMITS = [
    # Images and documents uploaded by editors.
    (re.compile(r"^/admin/"), env.int("ADMIN_UPLOAD_MAX_BYTES", default=64 * 1024 * 1024)),
    # Stripe's events are a few kilobytes.
    (re.compile(r"^/crowdfund/stripe/webhook/$"), 256 * 1024),
]
# The stories index's "share/" route (wherever editors put the index), with its photos.
STORY_UPLOAD_MAX_BYTES = env.int("STORY_UPLOAD_MAX_BYTES", default=32 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Forms -----------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Wagtail ---------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Alliance Hub"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# Wagtail's database backend: PostgreSQL full-text search (or SQLite's FTS5). The text
# search configuration is named, not left to the database server's default, so words are
# stemmed the same way on every server ("alliances" finds "alliance"); after changing it,
# run `manage.py update_index`. The index over title and body: cms migration 0009.
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}
}
WAGTAILDOCS_EXTENSIONS = ["pdf", "odt", "docx", "xlsx", "csv", "txt", "pptx"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# The most pixels any image may declare (a 48-megapixel camera's photos fit): larger ones
# are refused from their header, before a pixel is decoded (cms/image_limits.py).
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=50_000_000)
WAGTAILIMAGES_MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS
WAGTAIL_PASSWORD_RESET_ENABLED = True
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_USER_CUSTOM_FIELDS = ["display_name", "party", "home_area"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from Gravatar: it would send a hash of each editor's email address to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# --- Security headers ------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Powerful browser features the site never uses, refused to every page and frame.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)
# Wagtail's preview views allow themselves to be framed by the admin; nothing else is.
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    # The Wagtail admin ships its own inline scripts; the public site has none.
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://checkout.stripe.com"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Page cache (cms/cache.py) --------------------------------------------------
# How long an anonymous page may be served from the shared cache; 0 turns it off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# Costly parts of pages (a paper's body, a story, listings) shared by every visitor
# until content changes; signed-in visitors and page-cache misses use them too.
FRAGMENT_CACHE_SECONDS = env.int("FRAGMENT_CACHE_SECONDS", default=600)
# The pages along a request's path (cms/routing.py), so routing reads no table; 0 turns
# it off.
ROUTE_CACHE_SECONDS = env.int("ROUTE_CACHE_SECONDS", default=600)
# The site-wide entry (sites, private sections, menus: cms/sitewide.py). Every change
# moves its key on at once; this only bounds how long a dropped key stays in Redis.
SITEWIDE_CACHE_SECONDS = 24 * 60 * 60
# The live manifesto page every vote reads (manifesto.models.live_manifesto_page).
MANIFESTO_LIVE_PAGE_SECONDS = 60
# How long an expired page or page part is still served to everyone but the one request
# that renders it again (cms.cache.store_for); also the `stale-while-revalidate` the edge
# is allowed. A purge is never served stale.
PAGE_CACHE_STALE_SECONDS = env.int("PAGE_CACHE_STALE_SECONDS", default=10)
# The signed-in person and their groups (cms/auth_backends.py): dropped when they change,
# so this only bounds how long an entry no request reads again stays in the cache.
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=300)
# The manifesto's opinion groups (manifesto/agreement.py): a costly fit, shown at most
# this old; votes never purge it.
MANIFESTO_OPINION_GROUPS_SECONDS = env.int("MANIFESTO_OPINION_GROUPS_SECONDS", default=60)
# What purges these is registered by each app in its AppConfig.ready() (cms.cache.purge_on).

# --- The edge: an HTTP cache in front of the site (cms/edge.py, docs/caching.md) -----------
# Unset: no edge, everything as before. Varnish's address as the app reaches it (the app
# sends it one BAN of EDGE_CACHE_TAG per purge); e.g. http://varnish:80 in docker-compose.
EDGE_CACHE_URL = env("EDGE_CACHE_URL", default="")
# The tag on every response the edge may keep, and what the site-wide purge bans.
EDGE_CACHE_TAG = env("EDGE_CACHE_TAG", default="alliancehub")
# How long one purge request may take before it is logged and tried again from a worker.
EDGE_PURGE_TIMEOUT_SECONDS = env.float("EDGE_PURGE_TIMEOUT_SECONDS", default=2.0)
# Wagtail's frontend-cache backends, each with the site-wide purge added (cms.edge).
WAGTAILFRONTENDCACHE = {}
if EDGE_CACHE_URL:
    WAGTAILFRONTENDCACHE["varnish"] = {
        "BACKEND": "cms.edge.VarnishBackend",
        "LOCATION": EDGE_CACHE_URL,
    }
if env("EDGE_CLOUDFLARE_ZONE_ID", default=""):
    WAGTAILFRONTENDCACHE["cloudflare"] = {
        "BACKEND": "cms.edge.CloudflareBackend",
        "ZONEID": env("EDGE_CLOUDFLARE_ZONE_ID"),
        "BEARER_TOKEN": env("EDGE_CLOUDFLARE_TOKEN", default=""),
    }
if env("EDGE_CLOUDFRONT_DISTRIBUTION_ID", default=""):
    # Credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (boto3).
    WAGTAILFRONTENDCACHE["cloudfront"] = {
        "BACKEND": "cms.edge.CloudfrontBackend",
        "DISTRIBUTION_ID": env("EDGE_CLOUDFRONT_DISTRIBUTION_ID"),
    }

# --- Public forms ----------------------------------------------------------------
RATELIMIT_VIEW = "cms.views.rate_limited"
# With Redis unreachable the counters cannot be read: let the forms work rather than
# refuse everyone. Every limited form is moderated or paid for (README, "When Redis is down").
RATELIMIT_FAIL_OPEN = True
# Replies on pages: how many one account may post per hour.
REPLY_RATE = env("REPLY_RATE", default="10/h")

# --- Manifesto -------------------------------------------------------------------
# How many comments on amendments, and how many amendments, one account may post.
MANIFESTO_COMMENT_RATE = env("MANIFESTO_COMMENT_RATE", default="10/h")
MANIFESTO_PROPOSE_RATE = env("MANIFESTO_PROPOSE_RATE", default="20/d")
# After votes, a manifesto's rankings are recomputed within this many seconds (one
# recompute however many votes arrive meanwhile).
MANIFESTO_RANKING_REFRESH_SECONDS = env.int("MANIFESTO_RANKING_REFRESH_SECONDS", default=30)
# Recompute every ranking (popular, common ground, bridging) every ten minutes.
CELERY_BEAT_SCHEDULE["manifesto-rankings"] = {
    "task": "manifesto.tasks.recompute_rankings",
    "schedule": env.int("MANIFESTO_RANKING_INTERVAL_SECONDS", default=600),
}

# --- Crowdfund -------------------------------------------------------------------
# Stripe keys come only from the environment; with no secret key the crowdfund pages
# still render and explain that card payments are not set up.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
# Comma-separated so a rotated secret and its successor are both accepted for a while.
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
# Only the tests (a local stand-in server) and the benchmark set this.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# Live or test mode follows the secret key (sk_live_ / sk_test_); events from the other
# mode are acknowledged and ignored. Set explicitly only to override that.
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=STRIPE_SECRET_KEY.startswith("sk_live_"))
CROWDFUND_DONATE_RATE = env("CROWDFUND_DONATE_RATE", default="10/h")
# Every Stripe API call gives up after this many seconds and is retried this many times
# (on network errors and Stripe's 5xx/409 answers, with the same idempotency key).
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# An accepted Stripe event still unapplied after this long is shown to moderators in the
# admin (a dashboard panel and a banner on the inbox) until it is applied.
CROWDFUND_STUCK_EVENT_MINUTES = env.int("CROWDFUND_STUCK_EVENT_MINUTES", default=30)
# How long the "manage your monthly gift" link in a receipt works (each receipt has a new one).
CROWDFUND_PORTAL_LINK_DAYS = env.int("CROWDFUND_PORTAL_LINK_DAYS", default=60)
# The reportable sum (donations in law over £7,500) is taken over any run of this many
# days: 365 is the regulated period before a UK Parliamentary general election. Once the
# dates of a regulated period are known, set both dates (YYYY-MM-DD, end exclusive) to
# sum over that period only. See docs/crowdfund.md.
CROWDFUND_REPORTABLE_PERIOD_DAYS = env.int("CROWDFUND_REPORTABLE_PERIOD_DAYS", default=365)
CROWDFUND_REGULATED_PERIOD_START = env("CROWDFUND_REGULATED_PERIOD_START", default="")
CROWDFUND_REGULATED_PERIOD_END = env("CROWDFUND_REGULATED_PERIOD_END", default="")
CELERY_BEAT_SCHEDULE["crowdfund-apply-pending-webhooks"] = {
    "task": "crowdfund.tasks.apply_pending_webhook_events",
    "schedule": env.float("CROWDFUND_CATCH_UP_SECONDS", default=60.0),
}
CELERY_BEAT_SCHEDULE["crowdfund-settle-finished-crowdfunds"] = {
    "task": "crowdfund.tasks.settle_finished_crowdfunds",
    "schedule": 15 * 60.0,
}

# --- Stories ---------------------------------------------------------------------
# The stories' limits (submission rates, text length, photos, stories per page) are a
# site setting editors change (Settings → Stories: stories.models.story_limits).
# Messages through the contact page, per address (see docs/editorial.md).
CONTACT_RATE = env("CONTACT_RATE", default="5/h")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Every page save logs its search-index and reference-index tasks at INFO.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # Eager tasks in the demo would log every email they hand over.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- Notifications -----------------------------------------------------------------
# Digests go out in the morning, UK time; the sweep sends at-once emails whose task was lost.
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {
    "task": "notifications.tasks.sweep_notification_emails",
    "schedule": 120.0,
}
CELERY_BEAT_SCHEDULE["notifications-daily-digests"] = {
    "task": "notifications.tasks.send_daily_digests",
    "schedule": crontab(hour=7, minute=0),
}
CELERY_BEAT_SCHEDULE["notifications-weekly-digests"] = {
    "task": "notifications.tasks.send_weekly_digests",
    "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
}
CELERY_BEAT_SCHEDULE["crowdfund-deadline-near"] = {
    "task": "crowdfund.news.tell_followers_deadline_near",
    "schedule": crontab(hour=9, minute=0),
}
CELERY_BEAT_SCHEDULE["notifications-moderators-digest"] = {
    "task": "notifications.tasks.send_moderators_digests",
    "schedule": crontab(hour=7, minute=15),
}

# --- Meetings --------------------------------------------------------------------
# Meetings run by local people (see docs/meetings.md). Rates use django-ratelimit's syntax.
MEETINGS_PROPOSE_RATE = env("MEETINGS_PROPOSE_RATE", default="5/h")
MEETINGS_BOOK_RATE = env("MEETINGS_BOOK_RATE", default="20/h")
# Reminders go out the day before; the task looks every hour for meetings within a day.
CELERY_BEAT_SCHEDULE["meetings-send-reminders"] = {
    "task": "meetings.tasks.send_meeting_reminders",
    "schedule": env.float("MEETINGS_REMINDER_INTERVAL_SECONDS", default=3600.0),
}
CELERY_BEAT_SCHEDULE["meetings-tell-cancellations"] = {
    "task": "meetings.tasks.tell_bookers_of_all_cancellations",
    "schedule": 15 * 60.0,
}

# --- Local organising -------------------------------------------------------------
# Messages to a local group's organisers (see docs/local.md): per address and per sender.
LOCAL_CONTACT_RATE_PER_IP = env("LOCAL_CONTACT_RATE_PER_IP", default="5/h")
LOCAL_CONTACT_RATE_PER_SENDER = env("LOCAL_CONTACT_RATE_PER_SENDER", default="3/h")

# --- Newsletters -------------------------------------------------------------------
# Sending at a set rate through one SMTP connection per batch (see docs/newsletters.md).
NEWSLETTER_FROM_EMAIL = env("NEWSLETTER_FROM_EMAIL", default=DEFAULT_FROM_EMAIL)
NEWSLETTER_SEND_RATE = env.float("NEWSLETTER_SEND_RATE", default=50.0)  # messages a second
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=200)
NEWSLETTER_MARK_EVERY = env.int("NEWSLETTER_MARK_EVERY", default=25)
NEWSLETTER_TASK_SECONDS = env.float("NEWSLETTER_TASK_SECONDS", default=60.0)
NEWSLETTER_MAX_ATTEMPTS = env.int("NEWSLETTER_MAX_ATTEMPTS", default=5)
NEWSLETTER_RETRY_SECONDS = env.float("NEWSLETTER_RETRY_SECONDS", default=300.0)
NEWSLETTER_CONFIRM_DAYS = env.int("NEWSLETTER_CONFIRM_DAYS", default=7)
NEWSLETTER_SIGNUP_RATE = env("NEWSLETTER_SIGNUP_RATE", default="10/h")
NEWSLETTER_SIGNUP_PER_ADDRESS_RATE = env("NEWSLETTER_SIGNUP_PER_ADDRESS_RATE", default="3/d")
CELERY_BEAT_SCHEDULE["newsletters-send-due"] = {
    "task": "newsletters.tasks.send_due_newsletters",
    "schedule": 60.0,
}
# A mail provider's bounce and complaint webhooks, through django-anymail (docs/newsletters.md).
# Only what is set is passed on: anymail refuses the webhook when a secret it needs is missing.
ANYMAIL = {
    name: env(variable)
    for name, variable in [
        ("WEBHOOK_SECRET", "ANYMAIL_WEBHOOK_SECRET"),
        ("MAILGUN_API_KEY", "MAILGUN_API_KEY"),
        ("MAILGUN_SENDER_DOMAIN", "MAILGUN_SENDER_DOMAIN"),
        ("MAILGUN_WEBHOOK_SIGNING_KEY", "MAILGUN_WEBHOOK_SIGNING_KEY"),
    ]
    if env(variable, default="")
}
