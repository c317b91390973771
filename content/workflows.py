from django.utils import timezone
from wagtail.workflows import publish_workflow_state


def publish_reviewed(workflow_state, user=None):
    """Finish the science-review workflow: record who approved it, then publish.

    ``user`` is whoever approved the last task, which the workflow makes the science reviewer.
    The record is written into the revision being published so the live page shows it.
    """
    content_object = workflow_state.content_object
    revision = content_object.get_latest_revision()
    if user is not None and "reviewed_by" in revision.content:
        revision.content["reviewed_by"] = user.get_full_name() or user.get_username()
        revision.content["review_organisation"] = getattr(user, "organisation", "") or ""
        revision.content["reviewed_at"] = timezone.localdate().isoformat()
        revision.save(update_fields=["content"])
    publish_workflow_state(workflow_state, user=user)
