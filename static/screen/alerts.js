/* Emergency alerts on a screen: the set of active alert cards (shape in the manifest's "alerts"
 * and the push event "alert"), which one shows, and how the set is kept on the device.
 * Pure functions: unit-tested in tests/js/. Times are ms since the epoch, server time. */

// Each alert of several stays this long before the next one shows.
export const ALERT_TURN_MS = 10000;

/* Whether `card` is an alert card the player can honour: an identifier and a readable expiry
 * (an alert whose end the screen cannot tell would never leave it). */
export function isCard(card) {
    return Boolean(card) && typeof card.identifier === "string" && card.identifier !== ""
        && !Number.isNaN(Date.parse(card.expires));
}

/* The cards still active at `t`: expired ones (by the server's clock) are gone. */
export function pruned(cards, t) {
    return cards.filter((card) => isCard(card) && Date.parse(card.expires) > t);
}

/* Most severe first, then the most recently issued. */
export function ordered(cards) {
    const sentAt = (card) => Date.parse(card.sent) || 0;
    return cards.slice().sort((a, b) => (b.rank || 0) - (a.rank || 0) || sentAt(b) - sentAt(a));
}

/* The set a freshly fetched manifest gives: it is authoritative, whatever came before. */
export function fromManifest(manifest, t) {
    return ordered(pruned(Array.isArray(manifest && manifest.alerts) ? manifest.alerts : [], t));
}

/* The set after a push event's data: {"alert": card} adds or replaces the card and removes the
 * alerts it replaces (an Update); {"cancel": identifier} removes that alert. */
export function withEvent(cards, data, t) {
    let gone = new Set();
    let added = [];
    if (data && isCard(data.alert)) {
        gone = new Set([data.alert.identifier, ...(data.alert.replaces || [])]);
        added = [data.alert];
    } else if (data && typeof data.cancel === "string") {
        gone = new Set([data.cancel]);
    }
    return ordered(pruned(cards.filter((card) => !gone.has(card.identifier)).concat(added), t));
}

/* Which alert shows at `t`, as {identifier, since, first} (null when none). `shown` is what
 * showed before, or null; `seen` the identifiers displayed at least once. An alert never
 * displayed shows at once (it must reach the screen within seconds), unless another one is
 * having its first turn; otherwise each keeps the screen for ALERT_TURN_MS, in order. */
export function pickShown(cards, shown, seen, t) {
    if (!cards.length) {
        return null;
    }
    const ids = cards.map((card) => card.identifier);
    const current = shown && ids.includes(shown.identifier) ? shown : null;
    const turnOver = !current || t - current.since >= ALERT_TURN_MS;
    const fresh = ids.find((id) => !seen.has(id) && (!current || id !== current.identifier));
    if (fresh !== undefined && (turnOver || !current.first)) {
        return { identifier: fresh, since: t, first: true };
    }
    if (!current) {
        return { identifier: ids[0], since: t, first: false };
    }
    if (ids.length > 1 && turnOver) {
        const after = ids[(ids.indexOf(current.identifier) + 1) % ids.length];
        return { identifier: after, since: t, first: false };
    }
    return current;
}

/* What is written to the device: the cards and the identifiers already displayed (and
 * acknowledged), only those still in the set. */
export function storedForm(cards, seen) {
    const ids = new Set(cards.map((card) => card.identifier));
    return JSON.stringify({ cards: cards, seen: [...seen].filter((id) => ids.has(id)) });
}

/* The set read back from the device at `t`: expired alerts are gone, anything unreadable is an
 * empty set. */
export function fromStored(text, t) {
    let value;
    try {
        value = JSON.parse(text || "{}");
    } catch {
        value = {};
    }
    const cards = ordered(pruned(Array.isArray(value.cards) ? value.cards : [], t));
    const ids = new Set(cards.map((card) => card.identifier));
    const seen = Array.isArray(value.seen) ? value.seen.filter((id) => ids.has(id)) : [];
    return { cards: cards, seen: new Set(seen) };
}

const BEIJING = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
});

/* A moment as people in Hohhot read it (Beijing time), e.g. "12月7日 10:15"; "" if unreadable. */
export function beijingTime(isoText) {
    const t = Date.parse(isoText);
    return Number.isNaN(t) ? "" : BEIJING.format(new Date(t));
}

/* The acknowledgements waiting to be sent with `identifier` added, once. */
export function withAck(queue, identifier) {
    return queue.some((ack) => ack.alert === identifier) ? queue : queue.concat([{ alert: identifier }]);
}
