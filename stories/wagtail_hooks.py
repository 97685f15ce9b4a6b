"""Admin screens for stories: the places list (snippet) and a flat list of every story."""

import django_filters
from django.db.models import F
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views.pages.listing import IndexView, PageFilterSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.dashboard import HOOK as WAITING_HOOK
from cms.dashboard import Waiting
from cms.regions import Region
from stories.models import Arrangement, Place, StoryPage
from stories.workflow import stories_in_review


class PlaceViewSet(SnippetViewSet):
    model = Place
    icon = "site"
    menu_label = "Story places"
    list_display = ["name", "region", "kind"]
    list_filter = ["region", "kind"]
    search_fields = ["name"]
    ordering = ["name"]
    add_to_admin_menu = False


class StoryFilterSet(PageFilterSet):
    region = django_filters.ChoiceFilter(choices=Region.choices)
    arrangement = django_filters.ChoiceFilter(choices=Arrangement.choices)
    has_many_links = django_filters.BooleanFilter(label="Has many links")
    in_review = django_filters.BooleanFilter(label="Waiting in review", method="filter_in_review")

    def filter_in_review(self, queryset, name, value):
        ids = [int(pk) for pk in stories_in_review()]
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)

    class Meta:
        model = StoryPage
        fields = []


class StoryIndexView(IndexView):
    def annotate_queryset(self, pages):
        # Wagtail re-fetches rows with .specific(), dropping select_related but keeping
        # annotations: so the place's name comes as an annotation, not one query per row.
        return super().annotate_queryset(pages.annotate(place_name=F("place__name")))


class StoryListingViewSet(PageListingViewSet):
    """Every story in one list, with the many-links flag editors use to spot spam."""

    model = StoryPage
    index_view_class = StoryIndexView
    icon = "doc-full"
    menu_label = "Stories"
    add_to_admin_menu = True
    menu_order = 250
    filterset_class = StoryFilterSet
    columns = [
        *PageListingViewSet.columns,
        Column("place_name", label="Place"),
        Column("arrangement", label="Arrangement", accessor="get_arrangement_display"),
        BooleanColumn("has_many_links", label="Many links"),
        Column("reference", label="Reference"),
    ]


register_snippet(PlaceViewSet)


@hooks.register("register_admin_viewset")
def register_story_listing():
    return StoryListingViewSet("stories")


@hooks.register(WAITING_HOOK)
def stories_waiting(request):
    """Stories sent in and waiting in the review workflow (one query)."""
    if not request.user.has_perm("cms.moderate_replies"):  # Moderators and Editors
        return []
    url = reverse("stories:index") + "?in_review=true"
    count = stories_in_review().count()
    return [Waiting(count, "story in review", "stories in review", url, 50)]
