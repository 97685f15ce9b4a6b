"""Admin permission policies for records that code alone may write or remove.

Wagtail's ModelPermissionPolicy gives a superuser every action. Some records must not
be changed by hand even so: a ledger entry or a vote moves totals and counters that
code keeps exact, and a donation is a record of money received.
"""

from wagtail.permission_policies import ModelPermissionPolicy


class RefusingPolicy(ModelPermissionPolicy):
    """Model permissions as usual, except that `refused` actions are allowed to nobody."""

    refused: tuple[str, ...] = ()

    def user_has_permission(self, user, action):
        if action in self.refused:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


class ReadOnlyPolicy(RefusingPolicy):
    """Written by code only: nobody adds, edits or deletes one in the admin."""

    refused = ("add", "change", "delete")


class NoDeletePolicy(RefusingPolicy):
    """Kept for good: nobody deletes one in the admin."""

    refused = ("delete",)
