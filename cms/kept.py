"""Values a process keeps for itself, at most so many of them.

What is kept here is cheap to have again (read from the shared cache, worked out anew),
so the bound needs no eviction order: past it, the store starts again with none.
"""


class Bounded:
    """A dict of at most `most` values."""

    def __init__(self, most: int):
        self.most = most
        self.values: dict = {}

    def get(self, key, default=None):
        return self.values.get(key, default)

    def keep(self, key, value) -> None:
        if len(self.values) >= self.most:
            self.values = {}
        self.values[key] = value

    def forget(self) -> None:
        """Keep nothing (the tests' fresh start: their databases reuse ids)."""
        self.values = {}
