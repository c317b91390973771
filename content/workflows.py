from wagtail.workflows import publish_workflow_state


def publish_reviewed(workflow_state, user=None):
    """Finish the science-review workflow: record who approved it, then publish.

    ``user`` approved the last task, which the workflow makes the science reviewer; the review
    task (``ReviewTask``) has already made sure they have a real name and did not write or
    submit the content. The record is written into the revision being published so the live
    page shows it, and the revision is cleared for publishing (also later, if it is scheduled).
    """
    # Imported here: Wagtail imports this module while its admin panels are being loaded.
    from .models import ContentPage
    from .models.review import ReviewClearance
    from .review import publish_as

    revision = workflow_state.content_object.get_latest_revision()
    if not isinstance(revision.content_object, ContentPage):
        publish_workflow_state(workflow_state, user=user)
        return
    publish_as(user, revision, ReviewClearance.WORKFLOW)
