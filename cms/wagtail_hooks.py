"""Admin screens for what editors manage that is not a page."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import Party


class PartyViewSet(SnippetViewSet):
    model = Party
    icon = "group"
    menu_label = "Parties"
    list_display = ["name", "short_name", "is_party", "sort_order"]
    search_fields = ["name", "short_name"]
    add_to_admin_menu = False


register_snippet(PartyViewSet)
