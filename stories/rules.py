"""Who may do what with stories (django-rules predicates, checked in views).

Sending a story is open to verified supporters (`cms.roles.is_supporter`), and to anyone
at all when the site's story settings allow anonymous submissions. The settings object
is the rule's target.
"""

import rules

from cms.roles import is_supporter


@rules.predicate
def anonymous_submissions_allowed(user, story_settings):
    return bool(story_settings and story_settings.allow_anonymous_submissions)


rules.add_perm("stories.submit_story", is_supporter | anonymous_submissions_allowed)
