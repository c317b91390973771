"""What other parts may listen to: an alert issued (or updated) and an alert cancelled.

Sent by ``alerts.delivery`` after the transaction that changed the alert commits, after the
screens were told, with ``send_robust``: a listener that fails is logged and never holds up the
push to screens. Listeners receive ``alert`` (and, for ``alert_issued``, ``superseded``: the
alert an update replaced, or None). Newsletters use it for their emergency emails; alerts
import nothing of theirs.
"""

from django.dispatch import Signal

alert_issued = Signal()
alert_cancelled = Signal()
