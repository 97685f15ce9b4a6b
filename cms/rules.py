"""Who may do what on the editorial site (django-rules, checked on the server).

The roles themselves are defined once, in `cms.roles`.
"""

import rules

from cms.roles import is_moderator, is_supporter

# Not a model permission name on purpose: granting it never opens admin screens.
rules.add_perm("cms.reply_to_page", is_supporter)
rules.add_perm("cms.moderate_replies", is_moderator)
