/* Service worker of the screen player, served at /screen/sw.js with SHELL, SHELL_VERSION and
 * MEDIA_CACHE prepended by screens.player.
 *
 * It keeps the player itself (page, style and every ES module: SHELL_ASSETS in screens/player.py)
 * so that a screen reloaded or rebooted while the server is unreachable still starts. The
 * manifest and the media are kept by the player in Cache Storage (it verifies each file's sha256
 * before storing it); requests for those files are answered from that cache here too, so a plain
 * <img src> of a cached file works offline.
 */
/* global SHELL, SHELL_VERSION, MEDIA_CACHE */
"use strict";

const SHELL_CACHE = "kepu-screen-shell-" + SHELL_VERSION;
const SHELL_PATHS = new Set(SHELL.map((url) => new URL(url, self.location.origin).pathname));
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
    event.waitUntil(
        caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting())
    );
});

self.addEventListener("activate", (event) => {
    event.waitUntil(
        caches.keys().then((names) => Promise.all(
            names
                .filter((name) => name.startsWith("kepu-screen-shell-") && name !== SHELL_CACHE)
                .map((name) => caches.delete(name))
        )).then(() => self.clients.claim())
    );
});

function withTimeout(promise, ms) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("timeout")), ms);
        promise.then(
            (value) => { clearTimeout(timer); resolve(value); },
            (error) => { clearTimeout(timer); reject(error); }
        );
    });
}

/* The shell: network first (a new release shows at the next load), the cached copy when the
 * server does not answer in time. */
async function shellResponse(request, path) {
    const cache = await caches.open(SHELL_CACHE);
    try {
        const response = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
        if (response.ok) {
            cache.put(path, response.clone());
            return response;
        }
        const cached = await cache.match(path);
        return cached || response;
    } catch (error) {
        const cached = await cache.match(path);
        if (cached) {
            return cached;
        }
        throw error;
    }
}

self.addEventListener("fetch", (event) => {
    const request = event.request;
    if (request.method !== "GET") {
        return;
    }
    const url = new URL(request.url);
    // The API (manifest, event stream, queues) is the player's business: it keeps its own copy.
    if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
        return;
    }
    if (request.mode === "navigate" || SHELL_PATHS.has(url.pathname)) {
        const path = request.mode === "navigate" ? SHELL[0] : url.pathname;
        event.respondWith(shellResponse(request, path));
        return;
    }
    // Media the player has verified and stored: the cache first. Range requests (video) are
    // left to the network: the player plays cached video from blob: URLs instead.
    if (!request.headers.has("range")) {
        event.respondWith(
            caches.open(MEDIA_CACHE)
                .then((cache) => cache.match(request.url))
                .then((cached) => cached || fetch(request))
        );
    }
});
