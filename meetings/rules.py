"""Who may do what with meetings (django-rules predicates, checked on the server).

| action                      | anonymous | supporter | organiser of the group | moderator |
|-----------------------------|-----------|-----------|------------------------|-----------|
| propose a meeting           | no        | yes       | yes                    | yes       |
| publish directly (a group)  | no        | no        | that group only        | yes       |
| book a place                | by email  | yes       | yes                    | yes       |
| see / export the attendees  | no        | proposer  | that group's meetings  | yes       |

"Book" also needs the meeting to be open: published, not cancelled, not started. A
meeting without a group is organised by the supporter who proposed it.
"""

import rules

from cms.roles import is_moderator, is_supporter


@rules.predicate
def organises_group(user, group) -> bool:
    """`group` is a local group page and `user` is one of its organisers."""
    return group is not None and group.has_organiser(user)


@rules.predicate
def organises_meeting(user, meeting) -> bool:
    """The organiser of a meeting: its group's organisers, or who proposed a group-less one."""
    if meeting is None or not (user and user.is_authenticated):
        return False
    group = meeting.group()
    if group is not None:
        return group.has_organiser(user)
    return meeting.proposed_by_id == user.pk


@rules.predicate
def meeting_is_open(user, meeting) -> bool:
    return meeting is not None and meeting.open_for_booking


may_publish_directly = is_supporter & (organises_group | is_moderator)
may_see_attendees = organises_meeting | is_moderator

rules.add_perm("meetings.propose_meeting", is_supporter)
# The target is the local group chosen in the form (None for a meeting without a group).
rules.add_perm("meetings.publish_meeting_directly", may_publish_directly)
rules.add_perm("meetings.book_meeting", meeting_is_open)
rules.add_perm("meetings.see_attendees", may_see_attendees)
rules.add_perm("meetings.export_attendees", may_see_attendees)
