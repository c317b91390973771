"""What changes a screen's manifest, and the bump each change causes (see ``screens.versions``).

Content knows nothing of screens: screens subscribe to ``content.changes.content_changed`` for
content, and listen to their own models' signals here. Content changes need no bump of their
own (the content generation is part of every manifest version and has moved on by the time
``content_changed`` is sent); screens only announce the new versions to connected players.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from content import changes
from content.changes import content_changed

from . import auth, versions
from .models import Playlist, PlaylistItem, Schedule, Screen, ScreenGroup

# What a manifest shows: a page, its comic panels, its pictures, videos and captions. Taxonomy,
# site and restriction edits change the version too, but are picked up on the next poll.
PAGE_ACTIONS = (
    changes.CREATED,
    changes.SAVED,
    changes.DELETED,
    changes.PUBLISHED,
    changes.UNPUBLISHED,
    changes.MOVED,
    changes.PANELS,
)


def _media_models():
    return {
        get_image_model()._meta.label_lower,
        get_document_model()._meta.label_lower,
        "wagtailmedia.media",
    }


def content_changed_receiver(sender, change, **kwargs):
    if change.page_ids_with(*PAGE_ACTIONS) or change.models & _media_models():
        versions.announce()


def affected_by_playlist(playlist_id):
    ids = set(Screen.objects.filter(playlist_id=playlist_id).values_list("pk", flat=True))
    ids.update(
        Schedule.objects.filter(playlist_id=playlist_id, screen__isnull=False).values_list(
            "screen_id", flat=True
        )
    )
    groups = ScreenGroup.objects.filter(playlist_id=playlist_id) | ScreenGroup.objects.filter(
        schedules__playlist_id=playlist_id
    )
    for group in groups.distinct().select_related("region"):
        ids.update(group.screens().values_list("pk", flat=True))
    return ids


def screen_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        versions.bump_screens([instance.pk])


def screen_deleted(sender, instance, **kwargs):
    auth.forget(instance.token_hash)


def screen_audiences_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Screen):
        versions.bump_screens([instance.pk])


def group_changed(sender, instance, raw=False, **kwargs):
    # A group's region or place may have changed, taking screens in or out: which ones were
    # members before is not known here, and group edits are rare, so every screen is bumped.
    if not raw:
        versions.bump_screens()


def playlist_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        versions.bump_screens(affected_by_playlist(instance.pk))


def _touch(playlist_id):
    # Resolved playlists are cached under the playlist's updated_at; items and rule vocabularies
    # change without a save of the playlist row itself.
    Playlist.objects.filter(pk=playlist_id).update(updated_at=timezone.now())
    versions.bump_screens(affected_by_playlist(playlist_id))


def playlist_item_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.playlist_id:
        _touch(instance.playlist_id)


def playlist_rules_changed(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, Playlist):
        _touch(instance.pk)


def schedule_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if instance.screen_id:
        versions.bump_screens([instance.screen_id])
    if instance.group_id:
        group = ScreenGroup.objects.filter(pk=instance.group_id).select_related("region").first()
        if group is not None:
            versions.bump_screens(group.screens().values_list("pk", flat=True))


def connect():
    content_changed.connect(content_changed_receiver, dispatch_uid="screens.content_changed")
    post_save.connect(screen_saved, sender=Screen, dispatch_uid="screens.screen_saved")
    post_delete.connect(screen_deleted, sender=Screen, dispatch_uid="screens.screen_deleted")
    m2m_changed.connect(
        screen_audiences_changed, sender=Screen.audiences.through, dispatch_uid="screens.aud"
    )
    for signal in (post_save, post_delete):
        signal.connect(group_changed, sender=ScreenGroup, dispatch_uid=f"screens.group.{signal}")
        signal.connect(playlist_changed, sender=Playlist, dispatch_uid=f"screens.pl.{signal}")
        signal.connect(
            playlist_item_changed, sender=PlaylistItem, dispatch_uid=f"screens.pli.{signal}"
        )
        signal.connect(schedule_changed, sender=Schedule, dispatch_uid=f"screens.sch.{signal}")
    for through in (
        Playlist.audiences.through,
        Playlist.topics.through,
        Playlist.regions.through,
    ):
        m2m_changed.connect(
            playlist_rules_changed, sender=through, dispatch_uid=f"screens.plm2m.{through}"
        )
