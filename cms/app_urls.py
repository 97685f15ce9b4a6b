"""Non-page URLs of the editorial site (replies, feeds, calendars)."""

urlpatterns: list = []
