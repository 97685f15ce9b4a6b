"""Sub-pages of a page declared as a table, so a page model never imports its views.

The views import the models, so a model that imported its views would close a circle.
Instead each app keeps one table (`<app>/routes.py`): the page's sub-page addresses, the
views that answer them, and the parts the views add to the page's own context. The
app's `ready()` attaches the table to the page class, before any request is routed.

A table view is called as `view(request, page, *args, **kwargs)`, like any other view
that is handed its page.
"""

from dataclasses import dataclass, field

from django.urls import path as path_func
from wagtail.contrib.routable_page.models import RoutablePageMixin


@dataclass(frozen=True)
class Route:
    """One sub-page: its address under the page, the view that answers it, its name."""

    pattern: str
    view: object
    name: str


@dataclass(frozen=True)
class RouteTable:
    routes: tuple[Route, ...] = ()
    # Functions (page, request) -> dict, each adding to the page's own context.
    context: tuple = field(default=())


def _on_page(view):
    """Wagtail calls a sub-page view as a method of the page: hand the page on."""

    def answer(page, request, *args, **kwargs):
        return view(request, page, *args, **kwargs)

    answer.__name__ = getattr(view, "__name__", "view")
    answer.__doc__ = view.__doc__
    return answer


class RouteTableMixin(RoutablePageMixin):
    """A routable page whose sub-pages come from its app's route table."""

    route_table = RouteTable()

    @classmethod
    def attach_routes(cls, table: RouteTable) -> None:
        cls.route_table = table
        if "_routablepage_urlresolver" in cls.__dict__:
            del cls._routablepage_urlresolver  # built from the table before: build it again

    @classmethod
    def get_subpage_urls(cls):
        table = tuple(
            path_func(route.pattern, _on_page(route.view), name=route.name)
            for route in cls.route_table.routes
        )
        return table + tuple(super().get_subpage_urls())

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        for part in self.route_table.context:
            context.update(part(self, request))
        return context
