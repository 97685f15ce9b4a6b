"""The manifesto's public pages, served as routes of `ManifestoPage` (RoutablePageMixin).

`ROUTES` is the table of a manifesto's sub-pages: (address below the page, name, view).
The app hands it to the model when it is ready (`ManifestoPage.route_to`), so the model
never imports its views. Each view takes `(request, page, *args)`; the modules are split
by job: reading pages, versions and exports, what supporters do (voting), moderation,
and the JSON API. The domain work they start lives in `actions`, `merge`, `collisions`
and `diff`; who may do it is `rules`.
"""

from manifesto.views import api, moderation, pages, versions, voting
from manifesto.views.voting import vote

ROUTES = (
    ("", "index", pages.manifesto_index),
    ("clause/<str:key>/", "clause", pages.clause_view),
    ("clause/<str:key>/propose/", "propose", voting.propose_view),
    ("amendment/<int:pk>/", "amendment", pages.amendment_view),
    ("amendment/<int:pk>/vote/", "amendment_vote", voting.vote_view),
    ("amendment/<int:pk>/comment/", "amendment_comment", voting.comment_view),
    ("amendment/<int:pk>/report/", "amendment_report", voting.report_view),
    ("amendment/<int:pk>/withdraw/", "amendment_withdraw", voting.withdraw_view),
    ("amendment/<int:pk>/update/", "amendment_update", voting.update_view),
    ("amendment/<int:pk>/status/", "amendment_status", moderation.status_view),
    ("where-we-agree/", "where_we_agree", pages.where_we_agree_view),
    ("clause/<str:key>/where-we-agree/", "clause_where_we_agree", pages.where_we_agree_view),
    ("history/", "history", versions.history_view),
    ("history/compare/", "compare", versions.compare_view),
    ("how-ranking-works/", "how_ranking_works", pages.how_ranking_works_view),
    ("print/", "print", versions.print_view),
    ("export/manifesto/", "export_manifesto", versions.export_manifesto_csv),
    ("export/amendments/", "export_amendments", versions.export_amendment_book_csv),
    ("export/amendment-book/", "export_amendment_book", versions.export_amendment_book_pdf),
    ("edit/", "edit_text", moderation.edit_text_view),
    ("moderate/", "moderate", moderation.moderate_view),
    ("moderate/merge/", "merge", moderation.merge_view),
    ("api/clauses/", "api_clauses", api.api_clauses),
    ("api/amendments/", "api_amendments", api.api_amendments),
)

__all__ = ["ROUTES", "vote"]
