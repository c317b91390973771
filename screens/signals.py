"""Signals other parts of the screens app (the push channel) listen to.

``manifest_changed`` is sent, after the database transaction commits, every time the manifest
version of one or more screens changes, with:

- ``screen_ids``: list of screen ids whose manifest changed;
- ``version``: dict {screen_id: new version string} for those screens (the manifest's ``version``
  and, quoted, its ETag).

``screen_command`` is sent by the admin's "refresh now" buttons with ``screen_ids`` (list) and
``command`` (``"reload"``).
"""

from django.dispatch import Signal

manifest_changed = Signal()
screen_command = Signal()
