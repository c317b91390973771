from django.dispatch import Signal

# Sent around a bulk import (import_content, load_demo) so that apps reading content, such as
# search, can hold back per-save work and do it once when the import ends. Content knows
# nothing of who listens.
bulk_import_started = Signal()
bulk_import_finished = Signal()
