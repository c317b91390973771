"""The science review's guarantees: nothing goes live without it, no one reviews their own work.

- ``ContentPage.save`` calls ``require_clearance`` whenever a content page is about to go live
  with a new revision. Every Wagtail path that publishes (the editor's 发布, create-and-publish,
  revert-and-publish, bulk publish, the admin API, ``publish_scheduled``) ends in that save, so a
  revision without a ``ReviewClearance`` is refused there, whatever permission checks the path
  skipped. Unpublishing is untouched.
- Clearances are written only by ``publish_cleared``: the workflow's final approval
  (``content.workflows``), the importer's explicit trusted import and the emergency bypass.
  A scheduled revision keeps its clearance until ``publish_scheduled`` publishes it.
- The permission testers below hide 发布 from everyone (a forged ``action-publish`` then just
  saves a draft) and keep unpublishing, unscheduling and view restrictions as they were.
"""

import functools

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from wagtail.actions.base import BaseAction
from wagtail.actions.publish_page_revision import (
    PublishPagePermissionError,
    PublishPageRevisionAction,
)
from wagtail.actions.publish_revision import PublishRevisionAction
from wagtail.log_actions import log
from wagtail.models import Page, PagePermissionTester, Revision, TaskState
from wagtail.signals import page_published

from .models.review import ReviewClearance

EMERGENCY_LOG_ACTION = "content.emergency_publish"


class PublishRefused(PublishPagePermissionError):
    pass


class ReviewRefused(Exception):  # noqa: N818 - named for what the reviewer is told
    """An approval the review's rules forbid; content.middleware answers it with the reason."""


def require_clearance(page):
    """Refuse to let ``page`` go live with a revision that holds no clearance."""
    cleared = getattr(page, "_cleared_revision_id", None)
    if cleared is not None and cleared == page.live_revision_id:
        # publish_cleared wrote this revision's clearance a moment ago, in the transaction
        # this save runs in (it rolls back with the publish): nothing to look up.
        return
    current = Page.objects.filter(pk=page.pk).values_list("live", "live_revision_id").first()
    if current == (True, page.live_revision_id):
        return  # already live with this revision: a save that publishes nothing new
    if not ReviewClearance.objects.filter(revision_id=page.live_revision_id).exists():
        raise PublishRefused(
            _("未经编辑初审和专家科学性审核的内容不能发布。请提交审核；紧急情况请使用“紧急发布”。")
        )


class _PublishSavedPage(PublishPageRevisionAction):
    """Publish a revision that was just saved from ``page``, publishing ``page`` itself.

    Wagtail rebuilds the page from the revision's JSON first (a query for the page, its parent
    and each relation); the page in hand is that same page, so the importer spares the
    rebuild. Everything after (live flags, the save with its clearance check, log entries,
    signals, aliases, workflow) is Wagtail's own publish."""

    def __init__(self, revision, page, user=None, created=False, fields=()):
        BaseAction.__init__(self, page, user=user)
        self.revision = revision
        self.object = page
        self.changed = True
        self.log_action = True
        self.previous_revision = None
        self.created = created
        self.fields = fields  # specific-table fields publish_cleared changed on the page

    def _publish_revision(self, revision, object, *args, **kwargs):
        # The page was cleaned when it was saved a moment ago (created, or its revision saved);
        # Wagtail's publish would clean the same values again, a query per related field.
        object.skip_next_clean = True
        if self.created:
            # A page created in this transaction, ``revision`` its only revision: Wagtail's
            # publish would ask whether it is the latest, for the one before it (to log a
            # rename) and for aliases to update; the answers are known.
            revision.is_latest_revision = lambda: True
            revision.get_previous = _no_previous
            object.update_aliases = lambda **kwargs: None
            # Its row was inserted a moment ago from this same instance, so the publish writes
            # only what changed since: the publishing and revision bookkeeping (all on the
            # base page table), the review record when it changed, and the relations set in
            # memory since. The full save would rewrite both tables and read the row back
            # first to compare slugs.
            fields = _created_publish_fields(object, self.fields)
            object.save = functools.partial(type(object).save, object, update_fields=fields)
        try:
            return super()._publish_revision(revision, object, *args, **kwargs)
        finally:
            object.skip_next_clean = False
            if self.created:
                del revision.is_latest_revision, revision.get_previous, object.update_aliases
                del object.save

    def _after_publish(self):
        if not self.created:
            return super()._after_publish()
        # Wagtail's, but for the comment positions it would save again: a page created in this
        # transaction has no comments (a query to find none), and no aliases (see above).
        page_published.send(
            sender=self.object.specific_class, instance=self.object.specific, revision=self.revision
        )
        PublishRevisionAction._after_publish(self)
        return None


def _no_previous():
    raise Revision.DoesNotExist


# What Wagtail's publish (and the revision saved just before it) change on the page instance.
_PUBLISH_FIELDS = (
    "live",
    "has_unpublished_changes",
    "expired",
    "live_revision",
    "first_published_at",
    "last_published_at",
    "latest_revision",
    "latest_revision_created_at",
    "draft_title",
)


def _created_publish_fields(page, changed):
    relations = [relation.get_accessor_name() for relation in get_all_child_relations(page)]
    relations += [field.name for field in get_all_child_m2m_relations(page)]
    pending = getattr(page, "_cluster_related_objects", {})
    # Only relations set in memory are committed by modelcluster; the others would be no-ops.
    return [*_PUBLISH_FIELDS, *changed, *(name for name in relations if name in pending)]


@transaction.atomic  # a clearance never outlives a publish that failed
def publish_cleared(
    revision,
    *,
    route,
    name,
    organisation="",
    user=None,
    reason="",
    reviewed_on=None,
    saved_from=None,
    created=False,
):
    """Write the review record into ``revision``, clear it, and publish it (or schedule it, when
    it has a future go-live time). ``saved_from``: the page instance the revision was saved
    from just now, published as it is (with the record) instead of rebuilt from the revision;
    ``created``: that page was created in this transaction and ``revision`` is its only one."""
    record = revision.content
    if route == ReviewClearance.EMERGENCY:
        fields = {
            "reviewed_by": "",
            "review_organisation": "",
            "reviewed_at": None,
            "emergency_published_by": name,
        }
    else:
        fields = {
            "reviewed_by": name,
            "review_organisation": organisation,
            "reviewed_at": reviewed_on or timezone.localdate(),
            "emergency_published_by": "",
        }
    as_stored = dict(fields)
    if as_stored["reviewed_at"] is not None:
        as_stored["reviewed_at"] = as_stored["reviewed_at"].isoformat()
    if any(record.get(field) not in (fields[field], stored) for field, stored in as_stored.items()):
        # (The importer saves its revision with the record already in it; a revision saved
        # a moment ago still holds the date object, not yet its JSON text.)
        record.update(as_stored)
        revision.save(update_fields=["content"])
    clearance = {
        "route": route,
        "name": name,
        "organisation": organisation,
        "user": user,
        "reason": reason,
    }
    if created:
        # The page's only revision was saved in this transaction: nothing has cleared it yet.
        ReviewClearance.objects.create(revision=revision, **clearance)
    else:
        ReviewClearance.objects.update_or_create(revision=revision, defaults=clearance)
    # The clearance is the authority here, not the publish permission (see the module docstring).
    if saved_from is not None:
        changed = [field for field, value in fields.items() if getattr(saved_from, field) != value]
        for field, value in fields.items():
            setattr(saved_from, field, value)
        saved_from._cleared_revision_id = revision.pk  # see require_clearance
        action = _PublishSavedPage(revision, saved_from, user=user, created=created, fields=changed)
        return action.execute(skip_permission_checks=True)
    return revision.publish(user=user, skip_permission_checks=True)


def full_name(user):
    return (user.get_full_name() or "").strip() if user is not None else ""


def approval_refusal(task_state, user):
    """Why ``user`` may not approve this task, in words for them, or None when they may."""
    workflow_state = task_state.workflow_state
    latest = workflow_state.content_object.get_latest_revision()
    if workflow_state.requested_by_id == user.pk:
        return _("不能审核自己提交的内容，请由其他人审核。")
    if latest is not None and latest.user_id == user.pk:
        return _("不能审核自己最后修改的内容，请由其他人审核。")
    if (
        TaskState.objects.filter(workflow_state=workflow_state, finished_by=user)
        .filter(status=TaskState.STATUS_APPROVED)
        .exclude(pk=task_state.pk)
        .exists()
    ):
        return _("两个审核步骤须由两位不同的人完成：您已通过本内容的另一审核步骤。")
    last_task = workflow_state.workflow.tasks.filter(active=True).last()
    if task_state.task_id == getattr(last_task, "pk", None) and not full_name(user):
        # The last step writes the reviewer's name on the page: never a username.
        return _(
            "审核记录须显示审核专家的真实姓名：请先在“账户设置”中填写姓名（及所属单位）后再审核。"
        )
    return None


class ContentPermissionTester(PagePermissionTester):
    """Permissions on a content page: publishing happens only through the review."""

    def can_publish(self):
        return False

    def can_publish_with_permission(self):
        return super().can_publish()

    def can_unschedule(self):
        return self.can_publish_with_permission()

    def can_set_view_restrictions(self):
        return self.can_publish_with_permission()

    def can_emergency_publish(self):
        return (
            self.can_publish_with_permission()
            and not self.page_locked()
            and self.user.has_perm("content.emergency_publish")
        )


class SectionPermissionTester(PagePermissionTester):
    """Permissions on a content section: its new pages (and copies) start as drafts."""

    def can_publish_subpage(self):
        return False


def publish_as(user, revision, route, reason=""):
    """``publish_cleared`` with ``user`` answerable for it, under their real name and unit."""
    name = full_name(user)
    if not name:
        raise PublishRefused(_("发布记录须显示真实姓名：请先在“账户设置”中填写姓名。"))
    organisation = getattr(user, "organisation", "") or ""
    publish_cleared(
        revision, route=route, name=name, organisation=organisation, user=user, reason=reason
    )
    return name


def emergency_publish(page, user, reason):
    """Publish the latest revision of ``page`` without review, recording who did it and why."""
    if not page.permissions_for_user(user).can_emergency_publish():
        raise PublishRefused(_("您没有紧急发布的权限。"))
    revision = page.get_latest_revision()
    name = publish_as(user, revision, ReviewClearance.EMERGENCY, reason)
    log(
        instance=page,
        action=EMERGENCY_LOG_ACTION,
        user=user,
        revision=revision,
        data={"reason": reason, "name": name},
    )
    return revision


def review_record(page):
    """The review record a page shows: the expert (or imported source), unit and date, or, for
    an emergency publish, ``emergency`` and nobody; None without either (never public)."""
    if page.emergency_published_by:
        return {"reviewer": "", "organisation": "", "date": None, "emergency": True}
    if page.reviewed_by:
        return {
            "reviewer": page.reviewed_by,
            "organisation": page.review_organisation,
            "date": page.reviewed_at,
        }
    return None


def review_label(page):
    """The review in one line, as every public surface states it (page, cards, feeds, API,
    screens)."""
    if page.emergency_published_by:
        return _("未经科学性审核（紧急发布：%(name)s）") % {"name": page.emergency_published_by}
    if page.reviewed_by:
        label = _("科学性审核：%(name)s") % {"name": page.reviewed_by}
        if page.review_organisation:
            label += _("（%(organisation)s）") % {"organisation": page.review_organisation}
        return label
    return ""
