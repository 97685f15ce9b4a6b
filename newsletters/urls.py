from django.urls import path

from newsletters import views

app_name = "newsletters"

urlpatterns = [
    path("newsletter/", views.sign_up, name="sign_up"),
    path("newsletter/check-your-email/", views.check_email, name="check_email"),
    path("newsletter/confirm/<str:token>/", views.confirm, name="confirm"),
    path("newsletter/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("newsletter/preferences/<str:token>/", views.preferences, name="preferences"),
    path("account/newsletter/", views.account, name="account"),
    # The mail provider's bounce and complaint reports (signature checked by django-anymail).
    path("newsletter/mail-events/mailgun/", views.mail_provider_events, name="mailgun_events"),
]
