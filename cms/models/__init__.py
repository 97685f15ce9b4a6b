from cms.models.authors import Author
from cms.models.blog import BlogIndexPage, BlogPostAuthor, BlogPostPage, BlogPostTag
from cms.models.campaigns import CampaignPage
from cms.models.events import EventIndexPage, EventPage
from cms.models.guides import GuidePage
from cms.models.outbox import OutgoingEmail
from cms.models.pages import HomePage, StandardPage
from cms.models.papers import PaperAuthor, PaperIndexPage, PaperPage
from cms.models.replies import PageReply
from cms.models.site_settings import FooterLink, MenuItem, NavigationSettings
from cms.models.users import Party, User

__all__ = [
    "Author",
    "BlogIndexPage",
    "BlogPostAuthor",
    "BlogPostPage",
    "BlogPostTag",
    "CampaignPage",
    "EventIndexPage",
    "EventPage",
    "FooterLink",
    "GuidePage",
    "HomePage",
    "MenuItem",
    "NavigationSettings",
    "OutgoingEmail",
    "PageReply",
    "PaperAuthor",
    "PaperIndexPage",
    "PaperPage",
    "Party",
    "StandardPage",
    "User",
]
