from cms.models.pages import HomePage, StandardPage
from cms.models.site_settings import FooterLink, MenuItem, NavigationSettings
from cms.models.users import Party, User

__all__ = [
    "FooterLink",
    "HomePage",
    "MenuItem",
    "NavigationSettings",
    "Party",
    "StandardPage",
    "User",
]
