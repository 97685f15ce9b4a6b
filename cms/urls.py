import re

from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Before allauth's own: the same address and name, with this site's redirect rule.
    re_path(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$",
        views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path(
        "accounts/send-verification-again/",
        views.resend_verification,
        name="account_resend_verification",
    ),
    path("accounts/", include("allauth.urls")),
    path("account/welcome/", views.welcome, name="welcome"),
    path("account/", views.profile, name="profile"),
    path("account/data/", views.download_my_data, name="download_my_data"),
    path("account/delete/", views.delete_my_account, name="delete_my_account"),
    path("search/", views.search, name="search"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("", include("cms.app_urls")),
    path("", include("manifesto.urls")),
    path("", include("crowdfund.urls")),
    path("", include("stories.urls")),
    path("", include("notifications.urls")),
    path("", include("meetings.urls")),
    path("", include("newsletters.urls")),
]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    # The demo serves media itself even with DEBUG off (Django's static() would not), but
    # only what production's front server serves: image renditions and avatars. Documents
    # go through /documents/<id>/ (Wagtail's privacy checks); original images (a story's
    # photos before it is published) are never served.
    from django.views.static import serve

    media = settings.MEDIA_URL.lstrip("/")
    folders = "|".join(re.escape(folder) for folder in settings.PUBLIC_MEDIA_FOLDERS)
    urlpatterns.append(
        re_path(
            rf"^{media}(?P<path>(?:{folders})/[^/]+)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

urlpatterns.append(path("", include(wagtail_urls)))

handler403 = "cms.errors.permission_denied"
handler404 = "cms.errors.page_not_found"
handler500 = "cms.errors.server_error"
