/* 科普青城 screen player: pairing, schedule playback, offline cache, push channel, queues.
 *
 * State the player keeps on the screen:
 * - the token in localStorage (provisioned by /screen/#token=TOKEN or by pairing);
 * - the last manifest in Cache Storage (STATE_CACHE), and every media file it lists in
 *   MEDIA_CACHE, stored only after its sha256 matched the manifest;
 * - proof-of-play records and heartbeats in localStorage queues until the server has them.
 * The page, script and style are kept by the service worker (/screen/sw.js).
 *
 * Hooks for tests and monitoring are data attributes on <body>: data-state, data-item,
 * data-kind, data-net (online/offline), data-push (connected/disconnected), data-cache (ready).
 */
(function () {
    "use strict";

    const body = document.body;
    const API = body.dataset.api;
    const QR = body.dataset.qr;
    const PLAYER_VERSION = body.dataset.playerVersion;
    const TEXT = document.getElementById("strings").dataset;

    const MEDIA_CACHE = "kepu-screen-media-v1";
    const STATE_CACHE = "kepu-screen-state-v1";
    const MANIFEST_KEY = "/screen/state/manifest.json";
    const TOKEN_KEY = "kepu.screen.token";
    const PLAYS_KEY = "kepu.screen.plays";
    const BEATS_KEY = "kepu.screen.heartbeats";
    const WATCHDOG_MS = 4000;
    const MAX_QUEUED_PLAYS = 20000;
    // Heartbeats are status: after a long time offline the latest few tell enough.
    const MAX_QUEUED_BEATS = 20;
    const PUSH_BACKOFF_MAX_S = 60;

    const stage = document.getElementById("stage");
    const idle = document.getElementById("idle");
    const clock = document.getElementById("clock");
    const netState = document.getElementById("net-state");

    let token = null;
    let manifest = null;
    let serverOffsetMs = 0;
    let onlineSince = null;
    let pollTimer = null;
    let eventSource = null;
    let pushAttempt = 0;
    let pushTimer = null;
    let flushing = false;
    let syncing = null;

    /* ---------- small helpers ---------- */

    function now() {
        return Date.now() + serverOffsetMs;
    }

    function iso(ms) {
        return new Date(ms).toISOString();
    }

    function jitter(seconds) {
        return seconds * 1000 * (0.9 + Math.random() * 0.2);
    }

    function sleep(ms) {
        return new Promise((resolve) => setTimeout(resolve, ms));
    }

    function readQueue(key) {
        try {
            const value = JSON.parse(localStorage.getItem(key) || "[]");
            return Array.isArray(value) ? value : [];
        } catch (error) {
            return [];
        }
    }

    function writeQueue(key, list) {
        localStorage.setItem(key, JSON.stringify(list));
    }

    function authHeaders(extra) {
        return Object.assign({ Authorization: "Bearer " + token }, extra || {});
    }

    function setNet(online) {
        body.dataset.net = online ? "online" : "offline";
        netState.textContent = online ? "" : TEXT.offline;
        if (online && onlineSince === null) {
            onlineSince = now();
        } else if (!online) {
            onlineSince = null;
        }
    }

    async function hexDigest(buffer) {
        const digest = await crypto.subtle.digest("SHA-256", buffer);
        return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    }

    function absolute(url) {
        return new URL(url, location.origin).href;
    }

    function qrUrl(pageUrl) {
        return absolute(QR + "?url=" + encodeURIComponent(pageUrl));
    }

    /* ---------- clock ---------- */

    function tick() {
        const time = new Date(now());
        clock.dateTime = time.toISOString();
        clock.textContent = time.toLocaleTimeString("zh-CN", {
            hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai",
        });
    }

    /* ---------- token and pairing ---------- */

    function takeTokenFromHash() {
        const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
        if (match) {
            localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
            // The token should not stay visible in the address bar or the history.
            history.replaceState(null, "", location.pathname + location.search);
        }
        return localStorage.getItem(TOKEN_KEY);
    }

    async function forgetToken() {
        localStorage.removeItem(TOKEN_KEY);
        token = null;
        manifest = null;
        await caches.delete(STATE_CACHE);
        location.reload();
    }

    async function pair() {
        const section = document.getElementById("pairing");
        const codeEl = document.getElementById("pairing-code");
        const statusEl = document.getElementById("pairing-status");
        section.hidden = false;
        body.dataset.state = "pairing";
        for (;;) {
            let pairing;
            try {
                const response = await fetch(API + "pairing", { method: "POST" });
                if (!response.ok) {
                    throw new Error("pairing " + response.status);
                }
                pairing = await response.json();
            } catch (error) {
                statusEl.textContent = TEXT.connecting;
                await sleep(5000);
                continue;
            }
            codeEl.textContent = pairing.code;
            statusEl.textContent = TEXT.waiting;
            const pollMs = Math.max(1, pairing.poll_seconds || 5) * 1000;
            const expires = Date.parse(pairing.expires_at) || Date.now() + 600000;
            while (Date.now() < expires) {
                await sleep(pollMs);
                let result;
                try {
                    // The secret travels in the body: a URL would leave it in access logs.
                    const response = await fetch(API + "pairing/poll", {
                        method: "POST",
                        cache: "no-store",
                        headers: { "Content-Type": "application/json" },
                        body: JSON.stringify({ claim_secret: pairing.claim_secret }),
                    });
                    if (response.status === 404) {
                        break;
                    }
                    result = await response.json();
                } catch (error) {
                    statusEl.textContent = TEXT.connecting;
                    continue;
                }
                statusEl.textContent = TEXT.waiting;
                if (result.status === "claimed" && result.token) {
                    localStorage.setItem(TOKEN_KEY, result.token);
                    section.hidden = true;
                    return result.token;
                }
            }
            statusEl.textContent = TEXT.expired;
        }
    }

    /* ---------- manifest ---------- */

    async function loadStoredManifest() {
        try {
            const cache = await caches.open(STATE_CACHE);
            const response = await cache.match(MANIFEST_KEY);
            if (!response) {
                return null;
            }
            const stored = await response.json();
            serverOffsetMs = stored.offset || 0;
            return stored.manifest;
        } catch (error) {
            return null;
        }
    }

    async function storeManifest(value) {
        const cache = await caches.open(STATE_CACHE);
        const payload = JSON.stringify({ manifest: value, offset: serverOffsetMs, saved: Date.now() });
        await cache.put(MANIFEST_KEY, new Response(payload, {
            headers: { "Content-Type": "application/json" },
        }));
    }

    function noteServerTime(serverTime, sentAt, receivedAt) {
        const server = Date.parse(serverTime);
        if (!Number.isNaN(server)) {
            serverOffsetMs = server - (sentAt + receivedAt) / 2;
        }
    }

    async function fetchManifest() {
        const headers = authHeaders();
        if (manifest && manifest.version) {
            headers["If-None-Match"] = '"' + manifest.version + '"';
        }
        const sentAt = Date.now();
        let response;
        try {
            response = await fetch(API + "manifest", { headers: headers, cache: "no-store" });
        } catch (error) {
            setNet(false);
            return false;
        }
        if (response.status === 401) {
            await forgetToken();
            return false;
        }
        if (response.status === 304) {
            setNet(true);
            return true;
        }
        if (!response.ok) {
            return false;
        }
        const fresh = await response.json();
        setNet(true);
        noteServerTime(fresh.server_time, sentAt, Date.now());
        await storeManifest(fresh);
        applyManifest(fresh);
        syncMedia(fresh);
        return true;
    }

    function applyManifest(fresh) {
        const previousWindow = manifest ? windowKey(currentWindow()) : null;
        manifest = fresh;
        body.dataset.version = fresh.version;
        schedulePoll();
        if (!player.running) {
            player.start();
            return;
        }
        const window = currentWindow();
        const emergencyStarts = window && window.emergency && windowKey(window) !== previousWindow;
        const current = player.current;
        const withdrawn = current && !(fresh.items || {})[current.item.id];
        if (emergencyStarts || withdrawn || !current) {
            // An emergency starts now, not after the current item; withdrawn content stops now.
            player.cut();
        }
    }

    function schedulePoll() {
        clearTimeout(pollTimer);
        const seconds = (manifest && manifest.poll_seconds) || 300;
        pollTimer = setTimeout(async () => {
            await fetchManifest();
            await sendHeartbeat();
            schedulePoll();
        }, jitter(seconds));
    }

    /* ---------- media: download, verify, store, clean up ---------- */

    function mediaEntries(value) {
        const entries = new Map();
        for (const item of Object.values(value.items || {})) {
            for (const media of item.media || []) {
                entries.set(absolute(media.url), { sha256: media.sha256, mime: media.mime });
            }
            if (item.url && item.kind === "card") {
                entries.set(qrUrl(item.url), { sha256: null, mime: "image/svg+xml" });
            }
        }
        return entries;
    }

    function syncMedia(value) {
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
        const wanted = mediaEntries(value);
        let complete = true;
        for (const [url, info] of wanted) {
            if (value !== manifest) {
                return;
            }
            const cached = await cache.match(url);
            if (cached && (!info.sha256 || cached.headers.get("X-Sha256") === info.sha256)) {
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
                if (info.sha256 && digest !== info.sha256) {
                    // A corrupted or changed file is never kept; the next sync tries again.
                    complete = false;
                    continue;
                }
                const type = response.headers.get("Content-Type") || info.mime || "";
                await cache.put(url, new Response(buffer, {
                    headers: { "Content-Type": type, "X-Sha256": digest },
                }));
            } catch (error) {
                complete = false;
            }
        }
        if (value !== manifest) {
            return;
        }
        for (const request of await cache.keys()) {
            if (!wanted.has(request.url)) {
                await cache.delete(request.url);
            }
        }
        body.dataset.cache = complete ? "ready" : "partial";
    }

    async function sourceFor(url, owned) {
        const href = absolute(url);
        try {
            const cache = await caches.open(MEDIA_CACHE);
            const cached = await cache.match(href);
            if (cached) {
                const objectUrl = URL.createObjectURL(await cached.blob());
                owned.push(objectUrl);
                return objectUrl;
            }
        } catch (error) {
            // Cache Storage unavailable: play from the network.
        }
        return href;
    }

    /* ---------- schedule ---------- */

    function currentWindow() {
        if (!manifest) {
            return null;
        }
        const t = now();
        for (const window of manifest.schedule || []) {
            if (Date.parse(window.starts_at) <= t && t < Date.parse(window.ends_at)) {
                return window;
            }
        }
        return null;
    }

    function windowKey(window) {
        return window ? window.starts_at + "|" + window.playlist + "|" + Boolean(window.emergency) : "";
    }

    /* ---------- playback ---------- */

    function el(tag, className, text) {
        const node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (text) {
            node.textContent = text;
        }
        return node;
    }

    function mediaOf(item, roles) {
        return (item.media || []).find((media) => roles.includes(media.role));
    }

    function waitFor(target, events) {
        return new Promise((resolve, reject) => {
            const done = (event) => {
                events.concat(["error"]).forEach((name) => target.removeEventListener(name, done));
                if (event.type === "error") {
                    reject(new Error("media error"));
                } else {
                    resolve();
                }
            };
            events.concat(["error"]).forEach((name) => target.addEventListener(name, done));
        });
    }

    function loadImage(img, src) {
        img.src = src;
        return img.decode();
    }

    async function buildCard(item, layer) {
        const card = el("article", "card" + (item.content_type === "emergency" ? " card--emergency" : ""));
        card.appendChild(el("p", "card__kind", TEXT["kind" + item.content_type.charAt(0).toUpperCase() + item.content_type.slice(1)] || ""));
        card.appendChild(el("h2", "card__title", item.title));
        if (item.unreviewed && item.review) {
            card.appendChild(el("p", "card__review", item.review));
        }
        if (item.summary) {
            card.appendChild(el("p", "card__summary", item.summary));
        }
        const waits = [];
        if (item.actions && item.actions.length) {
            card.appendChild(el("p", "card__actions-title", TEXT.actions));
            const list = el("ol", "card__actions");
            item.actions.forEach((line) => list.appendChild(el("li", "", line)));
            card.appendChild(list);
        } else {
            const picture = mediaOf(item, ["image", "poster"]);
            if (picture) {
                const img = el("img", "card__image");
                img.alt = picture.alt || "";
                waits.push(sourceFor(picture.url, layer.owned).then((src) => loadImage(img, src)));
                card.appendChild(img);
            }
        }
        if (item.url) {
            const figure = el("figure", "card__qr");
            const img = el("img");
            img.alt = TEXT.scan + "：" + item.title;
            waits.push(sourceFor(qrUrl(item.url), layer.owned).then((src) => loadImage(img, src)));
            figure.appendChild(img);
            figure.appendChild(el("figcaption", "", TEXT.scan));
            card.appendChild(figure);
        }
        layer.node.appendChild(card);
        await Promise.all(waits);
        return {
            durationMs: (item.duration || 10) * 1000,
            start() {},
        };
    }

    async function buildImage(item, layer) {
        const picture = mediaOf(item, ["image", "poster", "panel"]);
        if (!picture) {
            throw new Error("image item without media");
        }
        const figure = el("figure", "media");
        const img = el("img");
        img.alt = picture.alt || item.title;
        figure.appendChild(img);
        figure.appendChild(el("figcaption", "", item.title));
        layer.node.appendChild(figure);
        await loadImage(img, await sourceFor(picture.url, layer.owned));
        return { durationMs: (item.duration || 10) * 1000, start() {} };
    }

    async function buildComic(item, layer) {
        const panels = (item.panels && item.panels.length)
            ? item.panels
            : (item.media || []).map((media, index) => ({ media: index, text: media.alt, duration: null }));
        const figures = [];
        const waits = [];
        for (const panel of panels) {
            const media = (item.media || [])[panel.media];
            if (!media) {
                continue;
            }
            const figure = el("figure", "media panel");
            const img = el("img");
            img.alt = media.alt || panel.text || item.title;
            figure.appendChild(img);
            figure.appendChild(el("figcaption", "", panel.text || item.title));
            layer.node.appendChild(figure);
            waits.push(sourceFor(media.url, layer.owned).then((src) => loadImage(img, src)));
            figures.push({ figure: figure, ms: (panel.duration || item.duration / panels.length || 8) * 1000 });
        }
        if (!figures.length) {
            throw new Error("comic without panels");
        }
        await Promise.all(waits);
        figures[0].figure.classList.add("is-current");
        return {
            durationMs: figures.reduce((sum, entry) => sum + entry.ms, 0),
            start(done, timers) {
                let at = 0;
                figures.forEach((entry, index) => {
                    if (index > 0) {
                        timers.push(setTimeout(() => {
                            figures[index - 1].figure.classList.remove("is-current");
                            entry.figure.classList.add("is-current");
                            body.dataset.panel = String(index);
                        }, at));
                    }
                    at += entry.ms;
                });
                body.dataset.panel = "0";
            },
        };
    }

    async function buildVideo(item, layer) {
        const clip = mediaOf(item, ["video"]);
        if (!clip) {
            throw new Error("video item without media");
        }
        const figure = el("figure", "media");
        const video = el("video");
        // Public screens play without sound; the captions carry the words.
        video.muted = true;
        video.defaultMuted = true;
        video.playsInline = true;
        video.preload = "auto";
        const poster = mediaOf(item, ["poster"]);
        if (poster) {
            video.poster = await sourceFor(poster.url, layer.owned);
        }
        const captions = mediaOf(item, ["captions"]);
        if (captions) {
            const track = el("track");
            track.kind = "captions";
            track.srclang = "zh";
            track.label = TEXT.captions;
            track.default = true;
            track.src = await sourceFor(captions.url, layer.owned);
            video.appendChild(track);
        }
        figure.appendChild(video);
        figure.appendChild(el("figcaption", "media__title", item.title));
        layer.node.appendChild(figure);
        const ready = waitFor(video, ["canplay"]);
        video.src = await sourceFor(clip.url, layer.owned);
        await ready;
        return {
            durationMs: null,
            start(done, timers) {
                if (video.textTracks.length) {
                    video.textTracks[0].mode = "showing";
                }
                let lastTime = -1;
                let lastProgress = Date.now();
                video.addEventListener("ended", () => done("ended"));
                video.addEventListener("error", () => done("failed"));
                // The watchdog: a video that stops advancing for WATCHDOG_MS is given up.
                timers.push(setInterval(() => {
                    if (video.currentTime !== lastTime) {
                        lastTime = video.currentTime;
                        lastProgress = Date.now();
                    } else if (Date.now() - lastProgress >= WATCHDOG_MS) {
                        done("stalled");
                    }
                }, 500));
                const limit = ((item.duration || video.duration || 60) * 1.5 + 10) * 1000;
                timers.push(setTimeout(() => done("overrun"), limit));
                video.play().catch(() => done("failed"));
            },
        };
    }

    function sameItem(item) {
        const fresh = manifest && (manifest.items || {})[item.id];
        return Boolean(fresh) && JSON.stringify(fresh) === JSON.stringify(item);
    }

    const builders = { card: buildCard, image: buildImage, comic: buildComic, video: buildVideo };

    function newLayer() {
        const node = el("div", "layer");
        node.setAttribute("aria-hidden", "true");
        stage.appendChild(node);
        return { node: node, owned: [] };
    }

    function clearLayer(layer) {
        layer.node.querySelectorAll("video").forEach((video) => {
            video.pause();
            video.removeAttribute("src");
            video.load();
        });
        layer.node.replaceChildren();
        layer.owned.forEach((url) => URL.revokeObjectURL(url));
        layer.owned = [];
    }

    function withTimeout(promise, ms) {
        return Promise.race([promise, sleep(ms).then(() => { throw new Error("timeout"); })]);
    }

    const player = {
        running: false,
        layers: [],
        front: 0,
        cursor: { key: null, index: -1 },
        pending: null,
        timers: [],
        current: null,
        token: 0,

        start() {
            this.running = true;
            this.layers = [newLayer(), newLayer()];
            this.next();
        },

        /* The next entry of the window playing now, looping in order. */
        take() {
            const window = currentWindow();
            if (!window || !window.items.length) {
                return null;
            }
            const key = windowKey(window);
            if (this.cursor.key !== key) {
                this.cursor = { key: key, index: -1 };
            }
            for (let step = 0; step < window.items.length; step += 1) {
                this.cursor.index = (this.cursor.index + 1) % window.items.length;
                const item = manifest.items[window.items[this.cursor.index]];
                if (item && builders[item.kind]) {
                    return { item: item, key: key, index: this.cursor.index };
                }
            }
            return null;
        },

        prepare(entry, layer) {
            clearLayer(layer);
            entry.layer = layer;
            // Loading starts now, while the current item plays; the watchdog's clock starts only
            // at the entry's turn (see next()).
            entry.ready = builders[entry.item.kind](entry.item, layer);
            entry.ready.catch(() => undefined);
            return entry;
        },

        backLayer() {
            return this.layers[1 - this.front];
        },

        /* Preload the item after the current one into the hidden layer. */
        preload() {
            const entry = this.take();
            this.pending = entry ? this.prepare(entry, this.backLayer()) : null;
        },

        cut() {
            if (this.pending) {
                this.cursor = { key: this.pending.key, index: this.pending.index - 1 };
                this.pending = null;
            }
            this.next();
        },

        async next(failures) {
            const run = ++this.token;
            this.clearTimers();
            this.finishPlay();
            let entry = this.pending;
            this.pending = null;
            const window = currentWindow();
            if (entry && (entry.key !== windowKey(window) || !sameItem(entry.item))) {
                // The manifest or the window changed since it was preloaded.
                clearLayer(entry.layer);
                entry = null;
            }
            if (!entry) {
                entry = this.take();
                if (!entry) {
                    this.showIdle();
                    return;
                }
                this.prepare(entry, this.backLayer());
            }
            let shown;
            try {
                shown = await withTimeout(entry.ready, WATCHDOG_MS);
            } catch (error) {
                if (run !== this.token) {
                    return;
                }
                // Failed or stalled while loading: skip it (within WATCHDOG_MS of its turn).
                body.dataset.skipped = entry.item.id;
                clearLayer(entry.layer);
                const count = (failures || 0) + 1;
                if (count >= 3) {
                    await sleep(1000);
                }
                if (run === this.token) {
                    this.next(count >= 3 ? 0 : count);
                }
                return;
            }
            if (run !== this.token) {
                return;
            }
            this.show(entry, shown, run);
        },

        show(entry, shown, run) {
            idle.hidden = true;
            const previous = this.layers[this.front];
            this.front = this.layers.indexOf(entry.layer);
            entry.layer.node.classList.add("is-front");
            entry.layer.node.removeAttribute("aria-hidden");
            previous.node.classList.remove("is-front");
            previous.node.setAttribute("aria-hidden", "true");
            if (previous !== entry.layer) {
                clearLayer(previous);
            }
            body.dataset.state = "playing";
            body.dataset.item = entry.item.id;
            body.dataset.kind = entry.item.kind;
            this.current = { item: entry.item, startedAt: now(), started: Date.now() };
            const done = () => {
                if (run === this.token) {
                    this.next();
                }
            };
            shown.start(done, this.timers);
            if (shown.durationMs) {
                this.timers.push(setTimeout(done, shown.durationMs));
            }
            this.preload();
        },

        showIdle() {
            body.dataset.state = "idle";
            body.dataset.item = "";
            this.layers.forEach((layer) => {
                clearLayer(layer);
                layer.node.classList.remove("is-front");
            });
            idle.hidden = false;
            // Check again soon: a window may start, or a new manifest arrive.
            this.timers.push(setTimeout(() => this.next(), 5000));
        },

        clearTimers() {
            this.timers.forEach((timer) => { clearTimeout(timer); clearInterval(timer); });
            this.timers = [];
        },

        /* Proof of play: one record per item shown, queued until the server has it. */
        finishPlay() {
            const current = this.current;
            this.current = null;
            if (!current) {
                return;
            }
            const queue = readQueue(PLAYS_KEY);
            queue.push({
                uuid: crypto.randomUUID(),
                item: current.item.id,
                started_at: iso(current.startedAt),
                duration_ms: Math.max(0, Date.now() - current.started),
            });
            writeQueue(PLAYS_KEY, queue.slice(-MAX_QUEUED_PLAYS));
            flushQueues();
        },
    };

    /* ---------- heartbeats and proof of play: queued, sent once ---------- */

    async function storageFree() {
        try {
            const estimate = await navigator.storage.estimate();
            return Math.max(0, (estimate.quota || 0) - (estimate.usage || 0));
        } catch (error) {
            return null;
        }
    }

    async function sendHeartbeat() {
        if (!token) {
            return;
        }
        const beats = readQueue(BEATS_KEY);
        const beat = {
            player_version: PLAYER_VERSION,
            current_item: player.current ? player.current.item.id : "",
            free_storage_bytes: await storageFree(),
            client_time: iso(Date.now()),
        };
        if (onlineSince !== null) {
            beat.online_since = iso(onlineSince);
        }
        beats.push(beat);
        writeQueue(BEATS_KEY, beats.slice(-MAX_QUEUED_BEATS));
        await flushQueues();
    }

    async function post(path, payload) {
        const sentAt = Date.now();
        const response = await fetch(API + path, {
            method: "POST",
            headers: authHeaders({ "Content-Type": "application/json" }),
            body: JSON.stringify(payload),
        });
        if (response.status === 401) {
            await forgetToken();
            throw new Error("unauthorized");
        }
        if (response.status === 400 || response.status === 413 || response.status === 422) {
            // Refused for its content: sending it again would block the queue forever.
            return { refused: true };
        }
        if (!response.ok) {
            throw new Error(path + " " + response.status);
        }
        const answer = await response.json();
        if (answer.server_time) {
            noteServerTime(answer.server_time, sentAt, Date.now());
        }
        return answer;
    }

    /* Sends what is queued, oldest first. A record leaves the queue only after the server said it
     * has it; one whose answer was lost is sent again and counted as a duplicate there (uuid). */
    async function flushQueues() {
        if (flushing || !token) {
            return;
        }
        flushing = true;
        try {
            // Proof of play first: it is what reports are made of.
            for (;;) {
                const batch = readQueue(PLAYS_KEY).slice(0, 200);
                if (!batch.length) {
                    break;
                }
                await post("plays", { plays: batch });
                const sent = new Set(batch.map((play) => play.uuid));
                writeQueue(PLAYS_KEY, readQueue(PLAYS_KEY).filter((play) => !sent.has(play.uuid)));
            }
            for (;;) {
                const beats = readQueue(BEATS_KEY);
                if (!beats.length) {
                    break;
                }
                await post("heartbeat", beats[0]);
                writeQueue(BEATS_KEY, readQueue(BEATS_KEY).slice(1));
            }
            setNet(true);
        } catch (error) {
            if (error instanceof TypeError) {
                setNet(false);
            }
        } finally {
            flushing = false;
        }
    }

    /* ---------- push channel ---------- */

    function schedulePush() {
        clearTimeout(pushTimer);
        const seconds = Math.min(PUSH_BACKOFF_MAX_S, 2 ** pushAttempt);
        pushAttempt += 1;
        pushTimer = setTimeout(connectPush, seconds * 1000 * (0.5 + Math.random() * 0.5));
    }

    async function connectPush() {
        if (!token || eventSource) {
            return;
        }
        let ticket;
        try {
            const response = await fetch(API + "events/ticket", {
                method: "POST",
                headers: authHeaders(),
            });
            if (response.status === 401) {
                await forgetToken();
                return;
            }
            if (!response.ok) {
                throw new Error("ticket " + response.status);
            }
            ticket = (await response.json()).ticket;
        } catch (error) {
            setNet(false);
            schedulePush();
            return;
        }
        const source = new EventSource(API + "events?ticket=" + encodeURIComponent(ticket));
        eventSource = source;
        source.addEventListener("ready", () => {
            pushAttempt = 0;
            body.dataset.push = "connected";
            setNet(true);
            // Whatever changed while disconnected is in the manifest: read it now.
            fetchManifest();
            flushQueues();
        });
        source.addEventListener("manifest", (event) => {
            let data = {};
            try {
                data = JSON.parse(event.data);
            } catch (error) {
                data = {};
            }
            if (!manifest || data.version !== manifest.version) {
                fetchManifest();
            }
        });
        source.addEventListener("command", async (event) => {
            const data = JSON.parse(event.data);
            if (data.command === "reload") {
                await flushQueues();
                location.reload();
            }
        });
        source.addEventListener("error", () => {
            // Reconnect ourselves with a fresh ticket (EventSource's own retry reuses the old one).
            source.close();
            if (eventSource === source) {
                eventSource = null;
            }
            body.dataset.push = "disconnected";
            schedulePush();
        });
    }

    /* ---------- start ---------- */

    async function registerWorker() {
        if (!("serviceWorker" in navigator)) {
            return;
        }
        try {
            await navigator.serviceWorker.register(body.dataset.sw, { scope: "./" });
        } catch (error) {
            // Without a worker the player still plays; it only cannot start again offline.
        }
    }

    async function main() {
        tick();
        setInterval(tick, 1000);
        registerWorker();
        token = takeTokenFromHash();
        if (!token) {
            token = await pair();
        }
        body.dataset.state = "loading";
        const stored = await loadStoredManifest();
        if (stored) {
            // Play what we have at once; the network may be slow or gone.
            setNet(navigator.onLine);
            applyManifest(stored);
        }
        const fetched = await fetchManifest();
        if (!fetched && !stored) {
            // Nothing to play yet: keep trying until the server answers.
            while (!(await fetchManifest())) {
                await sleep(5000);
            }
        }
        if (manifest) {
            syncMedia(manifest);
        }
        sendHeartbeat();
        connectPush();
        window.addEventListener("online", () => {
            fetchManifest();
            flushQueues();
            if (!eventSource) {
                pushAttempt = 0;
                connectPush();
            }
        });
        window.addEventListener("offline", () => setNet(false));
    }

    main();
}());
