"""Testing that the page cache keeps the parameters views read from a process's very first
request: views mark them when their module is imported, and the cache middleware trims
every other parameter before Django has resolved (and so imported) anything."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_process_keeps_the_search_words_on_its_first_request():
    """Views mark the parameters they read when their module is imported; the page cache
    trims every other parameter before Django has resolved the address."""
    code = (
        "import django; django.setup()\n"
        "from cms.cache import query_params_read\n"
        "print(sorted(query_params_read()))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "cms.settings.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'query'" in output and "'page'" in output
