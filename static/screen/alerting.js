/* The emergency alerts on this screen: the set kept from the manifest and the push channel (and
 * on the device, so it survives a reload offline), shown full screen above the playlist, which
 * is suspended meanwhile, rotating when several are active, gone at cancel or expiry by the
 * server's clock. Each alert's first display queues an acknowledgement for the server. */

import { alertCard } from "./alertcard.js";
import { fromManifest, isCard, pickShown, pruned, withAck, withEvent } from "./alerts.js";
import { body, byId, qrUrl } from "./dom.js";
import { player } from "./playback.js";
import { now, state } from "./state.js";
import { ACKS_KEY, keepFile, loadAlerts, readQueue, saveAlerts, writeQueue } from "./storage.js";

// Expiry and rotation are checked this often: an alert leaves the screen within a second.
const CHECK_MS = 1000;

let seen = new Set();
let shown = null;
let rendered = "";
let owned = [];
let onAck = () => undefined;
// When the push channel last changed the set (wall clock).
let pushedAt = -Infinity;

function keep(cards) {
    state.alerts = cards;
    saveAlerts(cards, seen);
}

function hide() {
    if (!rendered) {
        return;
    }
    rendered = "";
    const section = byId("alert");
    section.hidden = true;
    section.replaceChildren();
    owned.forEach((url) => URL.revokeObjectURL(url));
    owned = [];
    body.dataset.alert = "";
    player.resume();
}

function display(card, position) {
    const key = position + JSON.stringify(card);
    if (key === rendered) {
        return;
    }
    rendered = key;
    player.suspend();
    const section = byId("alert");
    const previous = owned;
    owned = [];
    section.replaceChildren(alertCard(card, position, owned));
    previous.forEach((url) => URL.revokeObjectURL(url));
    section.hidden = false;
    body.dataset.alert = card.identifier;
    body.dataset.state = "alert";
}

/* Brings the screen in line with the set at the server's time now. */
function refresh() {
    const t = now();
    const active = pruned(state.alerts, t);
    if (active.length !== state.alerts.length) {
        keep(active);
    }
    shown = pickShown(active, shown, seen, t);
    if (!shown) {
        hide();
        return;
    }
    const index = active.findIndex((card) => card.identifier === shown.identifier);
    display(active[index], active.length > 1 ? index + 1 + " / " + active.length : "");
    if (!seen.has(shown.identifier)) {
        seen.add(shown.identifier);
        saveAlerts(active, seen);
        writeQueue(ACKS_KEY, withAck(readQueue(ACKS_KEY), shown.identifier));
        onAck();
    }
}

/* Shows what the device kept (at once, before any network) and keeps checking expiry and
 * rotation. `acknowledge` is called when an acknowledgement was queued. */
export function startAlerts(acknowledge) {
    onAck = acknowledge;
    const kept = loadAlerts(now());
    seen = kept.seen;
    keep(kept.cards);
    refresh();
    setInterval(refresh, CHECK_MS);
}

/* A freshly fetched manifest, asked for at `requestedAt` (wall clock): its alerts are the set,
 * unless the push channel changed the set after it was asked for (its answer may predate an
 * alert or a cancel; the manifest the server sends next has it). */
export function alertsFromManifest(manifest, requestedAt) {
    if (requestedAt < pushedAt) {
        return;
    }
    keep(fromManifest(manifest, now()));
    refresh();
}

/* The push channel's event "alert": {"alert": card} or {"cancel": identifier}. */
export function alertFromPush(data) {
    pushedAt = Date.now();
    if (data && isCard(data.alert) && data.alert.url) {
        // The manifest that lists it follows; until then keep its QR code for offline use.
        keepFile(qrUrl(data.alert.url));
    }
    keep(withEvent(state.alerts, data, now()));
    refresh();
}
