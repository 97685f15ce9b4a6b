from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("account/notifications/", views.notification_list, name="list"),
    path("account/notifications/read/", views.mark_all_read, name="mark_all_read"),
    path("account/notifications/<int:pk>/", views.open_notification, name="open"),
    path("account/notifications/email/", views.preferences, name="preferences"),
    path("account/following/", views.follow_list, name="following"),
    path("account/activity/", views.my_activity, name="activity"),
    path("follow/", views.follow_or_unfollow, name="follow"),
    path("email/choices/<str:token>/", views.preferences_by_token, name="preferences_by_token"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
