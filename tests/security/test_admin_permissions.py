"""Who reaches which admin screen: every admin view this project registers, for every role.

`GRID` below is the whole answer in one table. Each row is one admin URL (a viewset's
action, a custom admin view, or a bulk action) and the outcome expected for each of six
people: anonymous, unverified (signed up, email not confirmed), supporter, moderator,
editor and superuser. The expectations come from the documented roles, not from what the
code happens to do:

- README "Accounts and roles" and `cms/roles.py`: Moderators review what the public sends
  in (replies, amendments, discussion, stories, donation checks), no page editing; Editors
  publish pages and manage parties, authors, places and settings; Supporters see nothing
  in the admin.
- docs/editorial.md: replies are moderated by Moderators and Editors (view, change, delete);
  nobody writes a reply in the admin.
- docs/manifesto.md and `ManifestoConfig.ready()`: amendments and discussion are screened by
  Moderators and Editors; votes are read-only, "nobody edits a vote but its voter" (the
  superuser included: an admin edit would bypass the vote counters); only Editors change a
  version's note; merging and the collision report are for Moderators and Editors.
- docs/crowdfund.md: Editors see and add donations, see the ledger, manage updates to
  backers; Moderators see donations and work the permissibility checks; the ledger is
  read-only and donations are never deleted, for everyone.
- docs/stories.md: the Stories listing is for Editors and Moderators; places are managed
  by Editors, Moderators only look at them.

Outcomes: LOGIN = sent to the admin sign-in page; NO = refused (403, or Wagtail's "no
permission" redirect to the dashboard), and for a POST nothing changed; YES = the screen
shows (200), and for a POST the change happened.

Choosers (the pop-ups that pick a snippet in a form) list what any admin user may pick, as
Wagtail designs them; their "create" tab needs the add permission.

`test_every_admin_view_the_project_registers_is_in_the_grid` fails when a new viewset, URL
or bulk action is registered without a row here.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.admin.viewsets import viewsets as viewset_registry

from cms.models import Author, OutgoingEmail, PageReply, Party, User
from cms.moderation import ModerationStatus
from crowdfund import ledger
from crowdfund.models import (
    CrowdfundPage,
    CrowdfundUpdate,
    Donation,
    Expense,
    LedgerEntry,
    Method,
    PermissibilityCheck,
    WebhookEvent,
)
from manifesto.actions import cast_vote, propose
from manifesto.merge import start_text
from manifesto.models import (
    Amendment,
    AmendmentComment,
    AmendmentStatus,
    ManifestoPage,
    ManifestoVersion,
    Vote,
)
from newsletters.models import Newsletter, Subscription, Suppression
from stories.models import Place, StoriesIndexPage, StoryPage
from tests.conftest import make_user
from tests.manifesto.conftest import CLAUSES, set_phase

OUR_APPS = ("cms", "manifesto", "crowdfund", "stories", "newsletters")
USERS = ("anonymous", "unverified", "supporter", "moderator", "editor", "superuser")

LOGIN, NO, YES = "LOGIN", "NO", "YES"
L, N, Y = LOGIN, NO, YES


@dataclass(frozen=True)
class Row:
    """One admin URL and what each of the six people gets there."""

    name: str  # URL name (+ "?query"), or "bulk:<app>.<model>:<action>" for a bulk action
    expected: tuple[str, str, str, str, str, str]
    post: dict | None = None  # POST this instead of a GET, then check `changed`
    changed: object = field(default=None, compare=False)  # callable(world) -> bool

    @property
    def url_name(self) -> str:
        return self.name.split("?")[0]

    @property
    def query(self) -> str:
        return self.name.partition("?")[2]

    @property
    def label(self) -> str:
        return self.name + (" POST" if self.post else "")


def row(name, anon, unver, supp, mod, edit, sup, **kw):
    return Row(name, (anon, unver, supp, mod, edit, sup), **kw)


def snippet(app_model):
    app, model = app_model.split(".")
    return f"wagtailsnippets_{app}_{model}", f"wagtailsnippetchoosers_{app}_{model}"


PARTY, PARTY_CHOOSER = snippet("cms.party")
AUTHOR, AUTHOR_CHOOSER = snippet("cms.author")
REPLY, REPLY_CHOOSER = snippet("cms.pagereply")
AMENDMENT, AMENDMENT_CHOOSER = snippet("manifesto.amendment")
VOTE, VOTE_CHOOSER = snippet("manifesto.vote")
VERSION, VERSION_CHOOSER = snippet("manifesto.manifestoversion")
COMMENT, COMMENT_CHOOSER = snippet("manifesto.amendmentcomment")
PLACE, PLACE_CHOOSER = snippet("stories.place")
EXPENSE, EXPENSE_CHOOSER = snippet("crowdfund.expense")
NEWSLETTER, NEWSLETTER_CHOOSER = snippet("newsletters.newsletter")


def status_is(model, key, status):
    return lambda world: model.objects.get(pk=world[key].pk).status == status


def chooser_rows(ns, create_by):
    """A snippet chooser: any admin user may pick; "create" needs the add permission."""
    return [
        row(f"{ns}:choose", L, L, L, Y, Y, Y),
        row(f"{ns}:choose_results", L, L, L, Y, Y, Y),
        row(f"{ns}:chosen", L, L, L, Y, Y, Y),
        row(f"{ns}:chosen_multiple", L, L, L, Y, Y, Y),
        row(f"{ns}:create", L, L, L, *create_by),
    ]


# fmt: off
GRID: list[Row] = [
    #                                               anon unver supp mod edit super
    # --- Parties (editors manage them: add, change, view; cms/roles.py) ------------------
    row(f"{PARTY}:list",                            L,   L,   L,   N,  Y,   Y),
    row(f"{PARTY}:list_results",                    L,   L,   L,   N,  Y,   Y),
    row(f"{PARTY}:add",                             L,   L,   L,   N,  Y,   Y),
    row(f"{PARTY}:copy",                            L,   L,   L,   N,  Y,   Y),
    row(f"{PARTY}:edit",                            L,   L,   L,   N,  Y,   Y),
    row(f"{PARTY}:delete",                          L,   L,   L,   N,  N,   Y),
    row(f"{PARTY}:usage",                           L,   L,   L,   N,  Y,   Y),
    row(f"{PARTY}:history",                         L,   L,   L,   N,  Y,   Y),
    row(f"{PARTY}:history_results",                 L,   L,   L,   N,  Y,   Y),
    row("bulk:cms.party:delete",                    L,   L,   L,   N,  N,   Y,
        post={}, changed=lambda w: not Party.objects.filter(pk=w["party"].pk).exists()),
    *chooser_rows(PARTY_CHOOSER,                                   (N,  Y,   Y)),
    # --- Authors (editors: everything) ------------------------------------------------
    row(f"{AUTHOR}:list",                           L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:list_results",                   L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:add",                            L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:copy",                           L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:edit",                           L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:delete",                         L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:usage",                          L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:history",                        L,   L,   L,   N,  Y,   Y),
    row(f"{AUTHOR}:history_results",                L,   L,   L,   N,  Y,   Y),
    row("bulk:cms.author:delete",                   L,   L,   L,   N,  Y,   Y,
        post={}, changed=lambda w: not Author.objects.filter(pk=w["author"].pk).exists()),
    *chooser_rows(AUTHOR_CHOOSER,                                  (N,  Y,   Y)),
    # --- Replies (moderators and editors: view, change, delete; nobody adds) -----------
    row(f"{REPLY}:list",                            L,   L,   L,   Y,  Y,   Y),
    row(f"{REPLY}:list_results",                    L,   L,   L,   Y,  Y,   Y),
    row(f"{REPLY}:inspect",                         L,   L,   L,   Y,  Y,   Y),
    row(f"{REPLY}:add",                             L,   L,   L,   N,  N,   Y),
    row(f"{REPLY}:copy",                            L,   L,   L,   N,  N,   Y),
    row(f"{REPLY}:edit",                            L,   L,   L,   Y,  Y,   Y),
    row(f"{REPLY}:delete",                          L,   L,   L,   Y,  Y,   Y),
    row(f"{REPLY}:usage",                           L,   L,   L,   Y,  Y,   Y),
    row(f"{REPLY}:history",                         L,   L,   L,   Y,  Y,   Y),
    row(f"{REPLY}:history_results",                 L,   L,   L,   Y,  Y,   Y),
    row("bulk:cms.pagereply:approve",               L,   L,   L,   Y,  Y,   Y,
        post={}, changed=status_is(PageReply, "reply", ModerationStatus.APPROVED)),
    row("bulk:cms.pagereply:reject",                L,   L,   L,   Y,  Y,   Y,
        post={}, changed=status_is(PageReply, "reply", ModerationStatus.REJECTED)),
    row("bulk:cms.pagereply:spam",                  L,   L,   L,   Y,  Y,   Y,
        post={}, changed=status_is(PageReply, "reply", ModerationStatus.SPAM)),
    row("bulk:cms.pagereply:delete",                L,   L,   L,   Y,  Y,   Y,
        post={}, changed=lambda w: not PageReply.objects.filter(pk=w["reply"].pk).exists()),
    *chooser_rows(REPLY_CHOOSER,                                   (N,  N,   Y)),
    # --- Amendments (moderators and editors screen them; nobody adds or deletes) -------
    row(f"{AMENDMENT}:list",                        L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:list_results",                L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:list?export=csv",             L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:list?export=xlsx",            L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:add",                         L,   L,   L,   N,  N,   Y),
    row(f"{AMENDMENT}:copy",                        L,   L,   L,   N,  N,   Y),
    row(f"{AMENDMENT}:edit",                        L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:inspect",                     L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:delete",                      L,   L,   L,   N,  N,   Y),
    row(f"{AMENDMENT}:usage",                       L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:history",                     L,   L,   L,   Y,  Y,   Y),
    row(f"{AMENDMENT}:history_results",             L,   L,   L,   Y,  Y,   Y),
    row("bulk:manifesto.amendment:manifesto_publish", L, L,   L,   Y,  Y,   Y,
        post={"reason": ""}, changed=status_is(Amendment, "submitted", AmendmentStatus.PUBLISHED)),
    row("bulk:manifesto.amendment:manifesto_accept", L,  L,   L,   Y,  Y,   Y,
        post={"reason": ""}, changed=status_is(Amendment, "amendment", AmendmentStatus.ACCEPTED)),
    row("bulk:manifesto.amendment:manifesto_reject", L,  L,   L,   Y,  Y,   Y,
        post={"reason": "Off topic"},
        changed=status_is(Amendment, "amendment", AmendmentStatus.REJECTED)),
    row("bulk:manifesto.amendment:manifesto_duplicate", L, L, L,   Y,  Y,   Y,
        post={"duplicate_of": "<submitted>"},
        changed=status_is(Amendment, "amendment", AmendmentStatus.DUPLICATE)),
    row("bulk:manifesto.amendment:delete",          L,   L,   L,   N,  N,   Y,
        post={}, changed=lambda w: not Amendment.objects.filter(pk=w["amendment"].pk).exists()),
    *chooser_rows(AMENDMENT_CHOOSER,                               (N,  N,   Y)),
    # --- Votes (read-only for everyone, the superuser too) --------------------------------
    row(f"{VOTE}:list",                             L,   L,   L,   Y,  Y,   Y),
    row(f"{VOTE}:list_results",                     L,   L,   L,   Y,  Y,   Y),
    row(f"{VOTE}:inspect",                          L,   L,   L,   Y,  Y,   Y),
    row(f"{VOTE}:add",                              L,   L,   L,   N,  N,   N),
    row(f"{VOTE}:copy",                             L,   L,   L,   N,  N,   N),
    row(f"{VOTE}:edit",                             L,   L,   L,   N,  N,   N),
    row(f"{VOTE}:delete",                           L,   L,   L,   N,  N,   N),
    row(f"{VOTE}:usage",                            L,   L,   L,   N,  N,   N),
    row(f"{VOTE}:history",                          L,   L,   L,   N,  N,   N),
    row(f"{VOTE}:history_results",                  L,   L,   L,   N,  N,   N),
    row("bulk:manifesto.vote:delete",               L,   L,   L,   N,  N,   N,
        post={}, changed=lambda w: not Vote.objects.filter(pk=w["vote"].pk).exists()),
    *chooser_rows(VOTE_CHOOSER,                                    (N,  N,   N)),
    # --- Versions (made by merges and text edits; editors change the note) -------------
    row(f"{VERSION}:list",                          L,   L,   L,   Y,  Y,   Y),
    row(f"{VERSION}:list_results",                  L,   L,   L,   Y,  Y,   Y),
    row(f"{VERSION}:inspect",                       L,   L,   L,   Y,  Y,   Y),
    row(f"{VERSION}:add",                           L,   L,   L,   N,  N,   Y),
    row(f"{VERSION}:copy",                          L,   L,   L,   N,  N,   Y),
    row(f"{VERSION}:edit",                          L,   L,   L,   N,  Y,   Y),
    row(f"{VERSION}:delete",                        L,   L,   L,   N,  N,   Y),
    row(f"{VERSION}:usage",                         L,   L,   L,   N,  Y,   Y),
    row(f"{VERSION}:history",                       L,   L,   L,   N,  Y,   Y),
    row(f"{VERSION}:history_results",               L,   L,   L,   N,  Y,   Y),
    # (no one deletes a version amendments are based on: PROTECT, whatever the permission)
    row("bulk:manifesto.manifestoversion:delete",   L,   L,   L,   N,  N,   N,
        post={}, changed=lambda w: not ManifestoVersion.objects.filter(
            pk=w["version"].pk).exists()),
    *chooser_rows(VERSION_CHOOSER,                                 (N,  N,   Y)),
    # --- Discussion (moderators and editors moderate it) ----------------------------------
    row(f"{COMMENT}:list",                          L,   L,   L,   Y,  Y,   Y),
    row(f"{COMMENT}:list_results",                  L,   L,   L,   Y,  Y,   Y),
    row(f"{COMMENT}:add",                           L,   L,   L,   N,  N,   Y),
    row(f"{COMMENT}:copy",                          L,   L,   L,   N,  N,   Y),
    row(f"{COMMENT}:edit",                          L,   L,   L,   Y,  Y,   Y),
    row(f"{COMMENT}:delete",                        L,   L,   L,   N,  N,   Y),
    row(f"{COMMENT}:usage",                         L,   L,   L,   Y,  Y,   Y),
    row(f"{COMMENT}:history",                       L,   L,   L,   Y,  Y,   Y),
    row(f"{COMMENT}:history_results",               L,   L,   L,   Y,  Y,   Y),
    row("bulk:manifesto.amendmentcomment:manifesto_comment_approve", L, L, L, Y, Y, Y,
        post={}, changed=status_is(AmendmentComment, "comment", ModerationStatus.APPROVED)),
    row("bulk:manifesto.amendmentcomment:manifesto_comment_reject", L, L, L, Y, Y, Y,
        post={}, changed=status_is(AmendmentComment, "comment", ModerationStatus.REJECTED)),
    row("bulk:manifesto.amendmentcomment:manifesto_comment_spam", L, L, L, Y, Y, Y,
        post={}, changed=status_is(AmendmentComment, "comment", ModerationStatus.SPAM)),
    row("bulk:manifesto.amendmentcomment:delete",   L,   L,   L,   N,  N,   Y,
        post={}, changed=lambda w: not AmendmentComment.objects.filter(
            pk=w["comment"].pk).exists()),
    *chooser_rows(COMMENT_CHOOSER,                                 (N,  N,   Y)),
    # --- Merge amendments (custom admin views) ------------------------------------------
    row("manifesto_merge_index",                    L,   L,   L,   Y,  Y,   Y),
    row("manifesto_collisions",                     L,   L,   L,   Y,  Y,   Y),
    # Choosing amendments on the collision page merges nothing, for anyone: it leads on to
    # the preview, and only the preview's confirmation merges.
    row("manifesto_collisions",                     L,   L,   L,   N,  N,   N,
        post={"amendment": "<amendment>", "note": "Merged"},
        changed=lambda w: w["manifesto"].versions.count() == 2),
    row("manifesto_merge_preview?amendment=<amendment>", L, L, L,  Y,  Y,   Y),
    row("manifesto_clear_burst",                    L,   L,   L,   Y,  Y,   Y,
        post={}, changed=lambda w: Amendment.objects.get(
            pk=w["amendment"].pk).burst_cleared_at is not None),
    row("manifesto_merge_preview",                  L,   L,   L,   Y,  Y,   Y,
        post={"amendment": "<amendment>", "version": "1", "note": "Merged"},
        changed=lambda w: w["manifesto"].versions.count() == 2),
    # --- Story places (editors manage them; moderators look) ----------------------------
    row(f"{PLACE}:list",                            L,   L,   L,   Y,  Y,   Y),
    row(f"{PLACE}:list_results",                    L,   L,   L,   Y,  Y,   Y),
    row(f"{PLACE}:add",                             L,   L,   L,   N,  Y,   Y),
    row(f"{PLACE}:copy",                            L,   L,   L,   N,  Y,   Y),
    row(f"{PLACE}:edit",                            L,   L,   L,   N,  Y,   Y),
    row(f"{PLACE}:delete",                          L,   L,   L,   N,  Y,   Y),
    row(f"{PLACE}:usage",                           L,   L,   L,   N,  Y,   Y),
    row(f"{PLACE}:history",                         L,   L,   L,   N,  Y,   Y),
    row(f"{PLACE}:history_results",                 L,   L,   L,   N,  Y,   Y),
    row("bulk:stories.place:delete",                L,   L,   L,   N,  Y,   Y,
        post={}, changed=lambda w: not Place.objects.filter(pk=w["place"].pk).exists()),
    *chooser_rows(PLACE_CHOOSER,                                   (N,  Y,   Y)),
    # --- Stories listing (editors and moderators; moderators add no pages) ---------------
    row("stories:index",                            L,   L,   L,   Y,  Y,   Y),
    row("stories:index_results",                    L,   L,   L,   Y,  Y,   Y),
    # (choosing a parent leads on to the add form; Wagtail's page add view is the real gate)
    row("stories:choose_parent",                    L,   L,   L,   Y,  Y,   Y),
    row("wagtailadmin_pages:add",                   L,   L,   L,   N,  Y,   Y),
    # --- Donations (editors see and add; moderators see; nobody deletes) ----------------
    row("crowdfund_donations:index",                L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_donations:index_results",        L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_donations:index?export=csv",     L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_donations:index?export=xlsx",    L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_donations:inspect",              L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_donations:add",                  L,   L,   L,   N,  Y,   Y),
    row("crowdfund_donations:edit",                 L,   L,   L,   N,  Y,   Y),
    row("crowdfund_donations:delete",               L,   L,   L,   N,  N,   N),
    row("crowdfund_donations:usage",                L,   L,   L,   N,  Y,   Y),
    row("crowdfund_donations:history",              L,   L,   L,   N,  Y,   Y),
    row("crowdfund_donations:history_results",      L,   L,   L,   N,  Y,   Y),
    # --- Ledger (read-only; editors look) ---------------------------------------------------
    row("crowdfund_ledger:index",                   L,   L,   L,   N,  Y,   Y),
    row("crowdfund_ledger:index_results",           L,   L,   L,   N,  Y,   Y),
    row("crowdfund_ledger:index?export=csv",        L,   L,   L,   N,  Y,   Y),
    row("crowdfund_ledger:index?export=xlsx",       L,   L,   L,   N,  Y,   Y),
    row("crowdfund_ledger:inspect",                 L,   L,   L,   N,  Y,   Y),
    row("crowdfund_ledger:add",                     L,   L,   L,   N,  N,   N),
    row("crowdfund_ledger:edit",                    L,   L,   L,   N,  N,   N),
    row("crowdfund_ledger:delete",                  L,   L,   L,   N,  N,   N),
    row("crowdfund_ledger:usage",                   L,   L,   L,   N,  N,   N),
    row("crowdfund_ledger:history",                 L,   L,   L,   N,  N,   N),
    row("crowdfund_ledger:history_results",         L,   L,   L,   N,  N,   N),
    # --- Permissibility checks (moderators work them) --------------------------------------
    row("crowdfund_checks:index",                   L,   L,   L,   Y,  N,   Y),
    row("crowdfund_checks:index_results",           L,   L,   L,   Y,  N,   Y),
    row("crowdfund_checks:add",                     L,   L,   L,   N,  N,   Y),
    row("crowdfund_checks:edit",                    L,   L,   L,   Y,  N,   Y),
    row("crowdfund_checks:delete",                  L,   L,   L,   N,  N,   Y),
    row("crowdfund_checks:usage",                   L,   L,   L,   Y,  N,   Y),
    row("crowdfund_checks:history",                 L,   L,   L,   Y,  N,   Y),
    row("crowdfund_checks:history_results",         L,   L,   L,   Y,  N,   Y),
    # --- Updates to backers (editors manage them) ----------------------------------------
    row("crowdfund_updates:index",                  L,   L,   L,   N,  Y,   Y),
    row("crowdfund_updates:index_results",          L,   L,   L,   N,  Y,   Y),
    row("crowdfund_updates:add",                    L,   L,   L,   N,  Y,   Y),
    row("crowdfund_updates:edit",                   L,   L,   L,   N,  Y,   Y),
    row("crowdfund_updates:delete",                 L,   L,   L,   N,  Y,   Y),
    row("crowdfund_updates:usage",                  L,   L,   L,   N,  Y,   Y),
    row("crowdfund_updates:history",                L,   L,   L,   N,  Y,   Y),
    row("crowdfund_updates:history_results",        L,   L,   L,   N,  Y,   Y),
    # --- Stripe events (read-only; moderators and editors see what waits, README) ---------
    row("crowdfund_events:index",                   L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_events:index_results",           L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_events:inspect",                 L,   L,   L,   Y,  Y,   Y),
    row("crowdfund_events:add",                     L,   L,   L,   N,  N,   N),
    row("crowdfund_events:edit",                    L,   L,   L,   N,  N,   N),
    row("crowdfund_events:delete",                  L,   L,   L,   N,  N,   N),
    row("crowdfund_events:usage",                   L,   L,   L,   N,  N,   N),
    row("crowdfund_events:history",                 L,   L,   L,   N,  N,   N),
    row("crowdfund_events:history_results",         L,   L,   L,   N,  N,   N),
    # --- Expenses (editors record what the money bought; docs/crowdfund.md) --------------
    row(f"{EXPENSE}:list",                          L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:list_results",                  L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:add",                           L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:copy",                          L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:edit",                          L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:delete",                        L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:usage",                         L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:history",                       L,   L,   L,   N,  Y,   Y),
    row(f"{EXPENSE}:history_results",               L,   L,   L,   N,  Y,   Y),
    row("bulk:crowdfund.expense:delete",            L,   L,   L,   N,  Y,   Y,
        post={}, changed=lambda w: not Expense.objects.filter(pk=w["expense"].pk).exists()),
    *chooser_rows(EXPENSE_CHOOSER,                                 (N,  Y,   Y)),
    # --- Crowdfund report (whoever sees donations) ----------------------------------------
    row("crowdfund_report",                         L,   L,   L,   Y,  Y,   Y),
    # --- Newsletters (editors write and send them; docs/newsletters.md) -------------------
    row(f"{NEWSLETTER}:list",                       L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:list_results",               L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:add",                        L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:copy",                       L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:edit",                       L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:delete",                     L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:usage",                      L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:history",                    L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:history_results",            L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:preview_on_add",             L,   L,   L,   N,  Y,   Y),
    row(f"{NEWSLETTER}:preview_on_edit",            L,   L,   L,   N,  Y,   Y),
    row("bulk:newsletters.newsletter:delete",       L,   L,   L,   N,  Y,   Y,
        post={}, changed=lambda w: not Newsletter.objects.filter(pk=w["newsletter"].pk).exists()),
    *chooser_rows(NEWSLETTER_CHOOSER,                              (N,  Y,   Y)),
    row("newsletters_send",                         L,   L,   L,   N,  Y,   Y),
    row("newsletters_send",                         L,   L,   L,   N,  Y,   Y,
        post={"when": "now", "confirm_count": "1"},  # the one subscriber in the world
        changed=lambda w: Newsletter.objects.get(pk=w["newsletter"].pk).status != "draft"),
    row("newsletters_send_test",                    L,   L,   L,   N,  Y,   Y,
        post={}, changed=lambda w: OutgoingEmail.objects.exists()),
    row("newsletters_cancel",                       L,   L,   L,   N,  Y,   Y,
        post={}, changed=lambda w: Newsletter.objects.get(
            pk=w["scheduled_newsletter"].pk).status == "draft"),
    row("newsletters_progress",                     L,   L,   L,   N,  Y,   Y),
    row("newsletters_progress_json",                L,   L,   L,   N,  Y,   Y),
    # Subscribers: written only by the people themselves (read-only here; editors look).
    row("newsletter_subscribers:index",             L,   L,   L,   N,  Y,   Y),
    row("newsletter_subscribers:index_results",     L,   L,   L,   N,  Y,   Y),
    row("newsletter_subscribers:inspect",           L,   L,   L,   N,  Y,   Y),
    row("newsletter_subscribers:add",               L,   L,   L,   N,  N,   N),
    row("newsletter_subscribers:copy",              L,   L,   L,   N,  N,   N),
    row("newsletter_subscribers:edit",              L,   L,   L,   N,  N,   N),
    row("newsletter_subscribers:delete",            L,   L,   L,   N,  N,   N),
    row("newsletter_subscribers:usage",             L,   L,   L,   N,  N,   N),
    row("newsletter_subscribers:history",           L,   L,   L,   N,  N,   N),
    row("newsletter_subscribers:history_results",   L,   L,   L,   N,  N,   N),
    # Suppressed addresses (editors add one by hand, or remove one to allow mail again).
    row("newsletter_suppressions:index",            L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:index_results",    L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:add",              L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:copy",             L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:edit",             L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:delete",           L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:usage",            L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:history",          L,   L,   L,   N,  Y,   Y),
    row("newsletter_suppressions:history_results",  L,   L,   L,   N,  Y,   Y),
    # --- Accounts (cms.User; no role manages accounts: the superuser only) --------------
    row("wagtailusers_users:index",                 L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:index_results",         L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:add",                   L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:copy",                  L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:edit",                  L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:delete",                L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:usage",                 L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:history",               L,   L,   L,   N,  N,   Y),
    row("wagtailusers_users:history_results",       L,   L,   L,   N,  N,   Y),
    row("bulk:cms.user:assign_role",                L,   L,   L,   N,  N,   Y,
        post={"role": "<editors_group>"},
        changed=lambda w: w["account"].groups.filter(name="Editors").exists()),
    row("bulk:cms.user:set_active_state",           L,   L,   L,   N,  N,   Y,
        post={"mark_as_active": "False"},
        changed=lambda w: not User.objects.get(pk=w["account"].pk).is_active),
    row("bulk:cms.user:delete",                     L,   L,   L,   N,  N,   Y,
        post={}, changed=lambda w: not User.objects.filter(pk=w["account"].pk).exists()),
]
# fmt: on


# --- the world every row is tried against -----------------------------------------------


@pytest.fixture
def people(unverified, supporter, moderator, editor, superuser):
    """The six people of the grid (the shared fixtures of tests/conftest.py)."""
    return {
        "anonymous": None,
        "unverified": unverified,
        "supporter": supporter,
        "moderator": moderator,
        "editor": editor,
        "superuser": superuser,
    }


@pytest.fixture
def world(home, people):
    """One of everything the admin lists, so every edit, inspect and delete URL resolves."""
    author_user = make_user("author@example.com", "Supporters")
    manifesto = ManifestoPage(title="Our manifesto", slug="manifesto", screening=False)
    home.add_child(instance=manifesto)
    manifesto.save_revision().publish()
    start_text(manifesto, CLAUSES)
    set_phase(manifesto, "amendments")
    clause = manifesto.live_clauses().first()
    amendment = propose(manifesto, clause, author_user, "replace", "A fairer text.", "Because.")
    submitted = propose(manifesto, clause, author_user, "replace", "Another text.", "Why not.")
    Amendment.objects.filter(pk=submitted.pk).update(status=AmendmentStatus.SUBMITTED)
    cast_vote(amendment, people["supporter"], "agree")

    crowdfund = CrowdfundPage(title="Build the hub", slug="build-the-hub", target_pence=500_000)
    home.add_child(instance=crowdfund)
    crowdfund.save_revision().publish()
    donation = Donation.objects.create(
        crowdfund=crowdfund,
        amount_pence=60_000,
        method=Method.CHEQUE,
        received_on=date.today(),
        name="Ada Lovelace",
        email="ada@example.com",
        address="1 Street, Town",
        permissible_donor_declared=True,
    )
    ledger.record_offline(ledger.lock_donation(donation.pk))
    stories_index = StoriesIndexPage(title="Stories", slug="stories")
    home.add_child(instance=stories_index)
    stories_index.save_revision().publish()
    story_place = Place.objects.create(
        name="Frome", slug="frome", region="south-west", kind="council"
    )
    story = StoryPage(
        title="Frome together",
        slug="frome-together",
        group_name="Frome Alliance",
        place=story_place,
        arrangement="stand-aside",
        outcome="won",
        year=2019,
        body="How we worked together.",
    )
    stories_index.add_child(instance=story)
    story.save_revision().publish()
    return {
        "account": author_user,
        "editors_group": Group.objects.get(name="Editors"),
        "party": Party.objects.create(name="Test Party", short_name="TP", slug="test-party"),
        "author": Author.objects.create(name="Ann Author", role="Writer"),
        "reply": PageReply.objects.create(page=manifesto, author=author_user, body="Hello"),
        "manifesto": manifesto,
        "amendment": amendment,
        "submitted": submitted,
        "vote": Vote.objects.get(amendment=amendment),
        "version": manifesto.current_version,
        "comment": AmendmentComment.objects.create(amendment=amendment, body="Agreed"),
        "place": Place.objects.create(
            name="Lancaster", slug="lancaster", region="north-west", kind="council"
        ),
        "stories_index": stories_index,
        "story": story,
        "donation": donation,
        "ledgerentry": (payment := LedgerEntry.objects.get(donation=donation)),
        "permissibilitycheck": PermissibilityCheck.open_for(payment),
        "crowdfundupdate": CrowdfundUpdate.objects.create(
            crowdfund=crowdfund, title="Thanks", body="We did it."
        ),
        "expense": Expense.objects.create(
            crowdfund=crowdfund, amount_pence=4_500, description="Room hire", paid_to="Hall"
        ),
        "newsletter": Newsletter.objects.create(subject="Spring news", body=[("heading", "Hi")]),
        "scheduled_newsletter": Newsletter.objects.create(
            subject="Later",
            body=[("heading", "Hi")],
            status="scheduled",
            send_at=timezone.now() + timedelta(days=1),
        ),
        "subscription": Subscription.objects.create(
            email="reader@example.com",
            source="public",
            wording="Yes.",
            opted_in_at=timezone.now(),
            confirmed_at=timezone.now(),
        ),
        "suppression": Suppression.objects.create(email="gone@example.com", reason="bounced"),
        "webhookevent": WebhookEvent.objects.create(
            event_id="evt_grid", type="checkout.session.completed", payload={}
        ),
    }


# URL namespace -> the object its per-object URLs are tried on.
OBJECT_FOR_NAMESPACE = {
    PARTY: "party",
    PARTY_CHOOSER: "party",
    AUTHOR: "author",
    AUTHOR_CHOOSER: "author",
    REPLY: "reply",
    REPLY_CHOOSER: "reply",
    AMENDMENT: "amendment",
    AMENDMENT_CHOOSER: "amendment",
    VOTE: "vote",
    VOTE_CHOOSER: "vote",
    VERSION: "version",
    VERSION_CHOOSER: "version",
    COMMENT: "comment",
    COMMENT_CHOOSER: "comment",
    PLACE: "place",
    PLACE_CHOOSER: "place",
    "crowdfund_donations": "donation",
    "crowdfund_ledger": "ledgerentry",
    "crowdfund_checks": "permissibilitycheck",
    "crowdfund_updates": "crowdfundupdate",
    "crowdfund_events": "webhookevent",
    EXPENSE: "expense",
    EXPENSE_CHOOSER: "expense",
    "manifesto_collisions": "manifesto",
    "manifesto_merge_preview": "manifesto",
    "manifesto_clear_burst": "amendment",
    "wagtailusers_users": "account",
    NEWSLETTER: "newsletter",
    NEWSLETTER_CHOOSER: "newsletter",
    "newsletters_send": "newsletter",
    "newsletters_send_test": "newsletter",
    "newsletters_cancel": "scheduled_newsletter",
    "newsletters_progress": "newsletter",
    "newsletters_progress_json": "newsletter",
    "newsletter_subscribers": "subscription",
    "newsletter_suppressions": "suppression",
}
BULK_TARGET = {
    "cms.party": "party",
    "cms.author": "author",
    "cms.pagereply": "reply",
    "manifesto.amendment": "amendment",
    "manifesto.vote": "vote",
    "manifesto.manifestoversion": "version",
    "manifesto.amendmentcomment": "comment",
    "stories.place": "place",
    "crowdfund.expense": "expense",
    "cms.user": "account",
    "newsletters.newsletter": "newsletter",
}


# URL names whose arguments are not one object's pk.
ARGS = {"wagtailadmin_pages:add": lambda w: ["stories", "storypage", w["stories_index"].pk]}


def url_of(r: Row, world) -> str:
    if r.name.startswith("bulk:"):
        _, label, action = r.name.split(":")
        app_label, model_name = label.split(".")
        target = "submitted" if action == "manifesto_publish" else BULK_TARGET[label]
        url = reverse("wagtail_bulk_action", args=[app_label, model_name, action])
        return f"{url}?id={world[target].pk}"
    if r.url_name in ARGS:
        return reverse(r.url_name, args=ARGS[r.url_name](world))
    try:
        url = reverse(r.url_name)
    except NoReverseMatch:
        key = OBJECT_FOR_NAMESPACE[r.url_name.split(":")[0]]
        url = reverse(r.url_name, args=[world[key].pk])
    # "<name>" in a query is the pk of world[name] (as in post_data below).
    query = re.sub(r"<(\w+)>", lambda m: str(world[m.group(1)].pk), r.query)
    return url + (f"?{query}" if query else "")


def post_data(r: Row, world) -> dict:
    """The row's POST body, with "<name>" placeholders replaced by that object's pk."""
    data = {}
    for key, value in r.post.items():
        if isinstance(value, str) and value.startswith("<"):
            value = str(world[value.strip("<>")].pk)
        data[key] = value
    return data


def outcome_of(response, changed, export=False) -> str:
    if response.status_code == 302 and response["Location"].startswith(
        reverse("wagtailadmin_login")
    ):
        return LOGIN
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if changed is not None:  # a POST: judged by what it did
        return YES if changed else NO
    if response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    ):
        return NO
    if response.status_code == 200 and export:
        disposition = response.get("Content-Disposition", "")
        return YES if disposition.startswith("attachment") else f"no file ({disposition!r})"
    if response.status_code == 200:
        return YES
    if response.status_code == 302 and response["Location"].startswith("/admin/pages/add/"):
        return YES  # a parent chooser with one choice goes straight on to the add form
    return f"status {response.status_code} to {response.get('Location')}"


def try_row(r: Row, world, people) -> dict[str, str]:
    """What each person gets at this row's URL (each try rolled back, so they start equal)."""
    got = {}
    for who in USERS:
        client = Client()
        if people[who] is not None:
            client.force_login(people[who])
        with transaction.atomic():
            url = url_of(r, world)
            if r.post is None:
                response = client.get(url)
                changed = None
            else:
                response = client.post(url, post_data(r, world))
                changed = r.changed(world)
            got[who] = outcome_of(response, changed, export="export=" in r.query)
            transaction.set_rollback(True)
    return got


# One test per viewset (or custom view), so the world is built once for each group of rows.
def _group(r: Row) -> str:
    if r.name.startswith("bulk:"):
        return "wagtailsnippets_" + r.name.split(":")[1].replace(".", "_")
    namespace = r.name.split(":")[0]
    return namespace.replace("wagtailsnippetchoosers_", "wagtailsnippets_")


GROUPS = sorted({_group(r) for r in GRID})


@pytest.mark.parametrize("group", GROUPS)
def test_each_role_gets_what_the_documented_roles_give_it(group, world, people):
    mismatches = []
    for r in GRID:
        if _group(r) != group:
            continue
        got = try_row(r, world, people)
        expected = dict(zip(USERS, r.expected, strict=True))
        for who in USERS:
            if got[who] != expected[who]:
                mismatches.append(f"{r.label}: {who} expected {expected[who]}, got {got[who]}")
    assert not mismatches, "\n".join(mismatches)


# --- the grid covers everything registered ---------------------------------------------------


def registered_admin_views() -> set[str]:
    """Every admin URL name and bulk action our apps register, read from Wagtail's registries."""
    names = set()
    # Loading the admin's URLs fills the registry, once per process; filling it again would
    # register each snippet viewset twice, which Wagtail refuses.
    reverse("wagtailadmin_home")
    for viewset in viewset_registry.viewsets:
        model = getattr(viewset, "model", None)
        if isinstance(model, type) and model._meta.app_label in OUR_APPS:
            names.update(f"{viewset.url_namespace}:{p.name}" for p in viewset.get_urlpatterns())
    for register_urls in hooks.get_hooks("register_admin_urls"):
        if register_urls.__module__.split(".")[0] in OUR_APPS:
            names.update(p.name for p in register_urls())
    for app_label in OUR_APPS:
        for model in apps.get_app_config(app_label).get_models():
            model_name = model._meta.model_name
            for action in bulk_action_registry.get_bulk_actions_for_model(app_label, model_name):
                names.add(f"bulk:{app_label}.{model_name}:{action.action_type}")
    return names


def test_every_admin_view_the_project_registers_is_in_the_grid():
    in_grid = {r.url_name for r in GRID}
    missing = registered_admin_views() - in_grid
    assert not missing, f"Add these admin views to GRID with each role's outcome: {missing}"


def test_the_grid_names_only_views_that_exist():
    extra = set(ARGS)  # Wagtail's own views the grid follows on to
    stale = {r.url_name for r in GRID} - registered_admin_views() - extra
    assert not stale, f"GRID rows for views no longer registered: {stale}"
