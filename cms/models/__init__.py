from cms.models.authors import Author
from cms.models.blog import BlogIndexPage, BlogPostAuthor, BlogPostPage, BlogPostTag
from cms.models.campaigns import CampaignPage
from cms.models.constituencies import Constituency
from cms.models.events import EventIndexPage, EventPage
from cms.models.guides import GuidePage
from cms.models.home import HomePage
from cms.models.legal import ContactPage, LegalPage
from cms.models.outbox import OutgoingEmail
from cms.models.pages import StandardPage
from cms.models.papers import PaperAuthor, PaperIndexPage, PaperPage
from cms.models.replies import PageReply
from cms.models.site_settings import FooterLink, ImprintSettings, MenuItem, NavigationSettings
from cms.models.users import Party, User

__all__ = [
    "Author",
    "BlogIndexPage",
    "BlogPostAuthor",
    "BlogPostPage",
    "BlogPostTag",
    "CampaignPage",
    "Constituency",
    "ContactPage",
    "EventIndexPage",
    "EventPage",
    "FooterLink",
    "GuidePage",
    "HomePage",
    "ImprintSettings",
    "LegalPage",
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
