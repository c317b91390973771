/* Offline rules: the queues of proof-of-play records and heartbeats kept until the server has
 * them, which media copies may be kept and played, the server's clock, and the push channel's
 * back-off. Pure functions: unit-tested in tests/js/. */

export const MAX_QUEUED_PLAYS = 20000;
// Heartbeats are status: after a long time offline the latest few tell enough.
export const MAX_QUEUED_BEATS = 20;
export const PLAYS_PER_POST = 200;
export const PUSH_BACKOFF_MAX_S = 60;

/* A queue as stored in localStorage; anything unreadable is an empty queue. */
export function parseQueue(text) {
    try {
        const value = JSON.parse(text || "[]");
        return Array.isArray(value) ? value : [];
    } catch {
        return [];
    }
}

/* The queue with `record` added, the oldest records dropped beyond `max`. */
export function appendCapped(list, record, max) {
    return list.concat([record]).slice(-max);
}

/* The queue without the records of `batch` (the server has them), by uuid: records queued
 * while the batch was on its way stay. */
export function withoutSent(list, batch) {
    const sent = new Set(batch.map((record) => record.uuid));
    return list.filter((record) => !sent.has(record.uuid));
}

/* Whether the server refused a record for its content: sending it again would block the queue
 * forever, so it leaves the queue as if delivered. */
export function isRefused(status) {
    return status === 400 || status === 413 || status === 422;
}

/* The proof-of-play record of an item shown from `current.started` (wall clock) to `endedAt`. */
export function playRecord(current, endedAt, uuid) {
    return {
        uuid: uuid,
        item: current.item.id,
        started_at: new Date(current.startedAt).toISOString(),
        duration_ms: Math.max(0, endedAt - current.started),
    };
}

/* The server's clock minus ours, from an answer's server_time and the moment the answer arrived:
 * the smallest offset the round trip allows, so the player never acts before the server's time
 * (an alert never leaves before its expiry, a schedule window never opens early) and is late by
 * at most the round trip; null when the answer has no readable time. */
export function serverOffset(serverTime, sentAt, receivedAt) {
    const server = Date.parse(serverTime);
    return Number.isNaN(server) ? null : server - Math.max(sentAt, receivedAt);
}

/* The delay before reconnecting the push channel after `attempt` failures: doubling up to
 * PUSH_BACKOFF_MAX_S, randomised down to half so screens do not reconnect together. */
export function pushDelayMs(attempt, random) {
    const seconds = Math.min(PUSH_BACKOFF_MAX_S, 2 ** attempt);
    return seconds * 1000 * (0.5 + random * 0.5);
}

// A screen that lost the server sends its status once a minute; the operator console calls it
// offline after two minutes without one.
export const HEARTBEAT_MS = 60000;

/* Whether the server refused an alert acknowledgement for good (400: the alert is not for this
 * screen, 404: no such alert): sending it again cannot succeed. */
export function isAckRefused(status) {
    return status === 404 || isRefused(status);
}

/* Every file a manifest needs on screen, by absolute URL: {sha256, mime}. QR codes are made by
 * this server and carry no checksum. `alerts` are the alert cards the screen keeps (the
 * manifest's, and any that came by the push channel since): their QR codes must show offline. */
export function mediaEntries(manifest, absolute, qrUrl, alerts) {
    const entries = new Map();
    for (const card of (alerts === undefined ? manifest.alerts || [] : alerts)) {
        if (card.url) {
            entries.set(qrUrl(card.url), { sha256: null, mime: "image/svg+xml" });
        }
    }
    for (const item of Object.values(manifest.items || {})) {
        for (const media of item.media || []) {
            entries.set(absolute(media.url), { sha256: media.sha256, mime: media.mime });
        }
        if (item.url && item.kind === "card") {
            entries.set(qrUrl(item.url), { sha256: null, mime: "image/svg+xml" });
        }
    }
    return entries;
}

/* Whether a cached copy (its stored sha256, or null) is the file the manifest wants. */
export function isCurrentCopy(cachedSha256, info) {
    return !info.sha256 || cachedSha256 === info.sha256;
}

/* Whether a downloaded file may be kept: a corrupted or changed file never is. */
export function isAcceptable(digest, info) {
    return !info.sha256 || digest === info.sha256;
}

/* The cached URLs no manifest entry wants any more. */
export function staleUrls(cachedUrls, wanted) {
    return cachedUrls.filter((url) => !wanted.has(url));
}
