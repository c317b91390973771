/* What the player keeps on the screen: the token and the queues in localStorage, the last
 * manifest in Cache Storage (STATE_CACHE), and every media file it lists in MEDIA_CACHE, stored
 * only after its sha256 matched the manifest. The service worker answers <img src> requests for
 * those files from MEDIA_CACHE too (screens/player.py passes it the name). */

import { absolute, body, qrUrl } from "./dom.js";
import { fromStored, storedForm } from "./alerts.js";
import { isAcceptable, isCurrentCopy, mediaEntries, parseQueue, staleUrls } from "./offline.js";
import { state } from "./state.js";

export const MEDIA_CACHE = "kepu-screen-media-v1";
export const STATE_CACHE = "kepu-screen-state-v1";
export const TOKEN_KEY = "kepu.screen.token";
export const PLAYS_KEY = "kepu.screen.plays";
export const BEATS_KEY = "kepu.screen.heartbeats";
export const ACKS_KEY = "kepu.screen.acks";
// The active alerts and which were displayed: an alert must show again at once after a reload
// while the server is unreachable (alerts.js says what is kept).
export const ALERTS_KEY = "kepu.screen.alerts";
const MANIFEST_KEY = "/screen/state/manifest.json";

let syncing = null;

export function readQueue(key) {
    return parseQueue(localStorage.getItem(key));
}

export function writeQueue(key, list) {
    localStorage.setItem(key, JSON.stringify(list));
}

/* The alerts kept on the device, those expired by `t` left out: {cards, seen}. */
export function loadAlerts(t) {
    return fromStored(localStorage.getItem(ALERTS_KEY), t);
}

export function saveAlerts(cards, seen) {
    localStorage.setItem(ALERTS_KEY, storedForm(cards, seen));
}

export async function loadStoredManifest() {
    try {
        const cache = await caches.open(STATE_CACHE);
        const response = await cache.match(MANIFEST_KEY);
        if (!response) {
            return null;
        }
        const stored = await response.json();
        state.serverOffsetMs = stored.offset || 0;
        return stored.manifest;
    } catch {
        return null;
    }
}

export async function storeManifest(value) {
    const cache = await caches.open(STATE_CACHE);
    const payload = JSON.stringify({ manifest: value, offset: state.serverOffsetMs, saved: Date.now() });
    await cache.put(MANIFEST_KEY, new Response(payload, {
        headers: { "Content-Type": "application/json" },
    }));
}

async function hexDigest(buffer) {
    const digest = await crypto.subtle.digest("SHA-256", buffer);
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/* Download, verify and store the media of `value`, then drop what it no longer lists. One sync
 * at a time; a sync for a manifest that was replaced meanwhile stops. */
export function syncMedia(value) {
    const run = async () => {
        if (syncing) {
            await syncing;
        }
        await doSyncMedia(value);
    };
    syncing = run().catch(() => undefined).finally(() => { syncing = null; });
    return syncing;
}

async function doSyncMedia(value) {
    const cache = await caches.open(MEDIA_CACHE);
    const wanted = mediaEntries(value, absolute, qrUrl, state.alerts);
    let complete = true;
    for (const [url, info] of wanted) {
        if (value !== state.manifest) {
            return;
        }
        const cached = await cache.match(url);
        if (cached && isCurrentCopy(cached.headers.get("X-Sha256"), info)) {
            continue;
        }
        try {
            const response = await fetch(url, { cache: "no-store" });
            if (!response.ok) {
                complete = false;
                continue;
            }
            const buffer = await response.arrayBuffer();
            const digest = await hexDigest(buffer);
            if (!isAcceptable(digest, info)) {
                // The next sync tries again.
                complete = false;
                continue;
            }
            const type = response.headers.get("Content-Type") || info.mime || "";
            await cache.put(url, new Response(buffer, {
                headers: { "Content-Type": type, "X-Sha256": digest },
            }));
        } catch {
            complete = false;
        }
    }
    if (value !== state.manifest) {
        return;
    }
    const cachedUrls = (await cache.keys()).map((request) => request.url);
    for (const url of staleUrls(cachedUrls, wanted)) {
        await cache.delete(url);
    }
    body.dataset.cache = complete ? "ready" : "partial";
}

/* Keep a file that no manifest lists yet (the QR code of an alert that came by the push
 * channel) so it shows offline; the next sync drops it once no alert needs it. */
export async function keepFile(url) {
    try {
        const cache = await caches.open(MEDIA_CACHE);
        if (await cache.match(url)) {
            return;
        }
        const response = await fetch(url, { cache: "no-store" });
        if (response.ok) {
            await cache.put(url, response);
        }
    } catch {
        // Offline or no Cache Storage: the next manifest sync tries again.
    }
}

/* A URL to play `url` from: a blob: URL of the verified cached copy (owned by the layer, which
 * revokes it), else the network. */
export async function sourceFor(url, owned) {
    const href = absolute(url);
    try {
        const cache = await caches.open(MEDIA_CACHE);
        const cached = await cache.match(href);
        if (cached) {
            const objectUrl = URL.createObjectURL(await cached.blob());
            owned.push(objectUrl);
            return objectUrl;
        }
    } catch {
        // Cache Storage unavailable: play from the network.
    }
    return href;
}
