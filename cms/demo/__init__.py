"""Demo content: the site a newcomer sees after `make demo`.

`load_demo_site()` is idempotent: every object is found by a natural key
(slug or email) before it is created, so running it twice changes nothing.
Each feature app may provide `<app>.demo.load(home)`; it is called in turn.
"""

import importlib

from cms.demo.home import shape_home_page
from cms.demo.people import DEMO_PASSWORD, load_people
from cms.demo.site import load_editorial_site
from cms.demo.trust import load_trust_pages

FEATURE_APPS = ["manifesto", "crowdfund", "stories", "local", "meetings", "newsletters"]

__all__ = ["DEMO_PASSWORD", "load_demo_site"]


def load_demo_site() -> list[tuple[str, str]]:
    """Create everything; return (role, email) pairs for the demo logins."""
    logins = load_people()
    home = load_editorial_site()
    load_trust_pages(home)
    for app in FEATURE_APPS:
        try:
            module = importlib.import_module(f"{app}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{app}.demo":
                raise
            continue
        module.load(home)
    shape_home_page(home)
    return logins
