from django.dispatch import Signal

# Sent around a bulk import (import_content, load_demo) so that apps reading content, such as
# search, can hold back per-save work and do it once when the import ends. Content knows
# nothing of who listens.
bulk_import_started = Signal()
bulk_import_finished = Signal()

# Sent by the importer with ``pages``, {page model: [pk, ...]}, once pages it wrote have
# committed: after every batch of lines, and at the start of a run for pages that an interrupted
# run (killed, crashed) committed but never announced. Listeners bring what they derive from
# pages (the search index) up to date; a page is announced again until every listener returns
# without raising, so a crash between a commit and its announcement loses nothing.
imported_pages_committed = Signal()
