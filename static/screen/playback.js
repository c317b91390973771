/* Playback: two layers, the one on screen and the one the next item loads into meanwhile, so the
 * switch shows no gap. The watchdog skips an item still loading WATCHDOG_MS after its turn came.
 * Each item shown leaves a proof-of-play record in the queue; `player.onPlayed` sends it.
 * An emergency alert suspends playback (nothing plays or counts as played under it); on resume
 * the item it interrupted starts again. */

import { builders } from "./builders.js";
import { body, byId, el } from "./dom.js";
import { WATCHDOG_MS } from "./expiry.js";
import { appendCapped, MAX_QUEUED_PLAYS, playRecord } from "./offline.js";
import { afterFailure, cursorBefore, isUnchanged, nextEntry } from "./rotation.js";
import { currentWindow, windowKey } from "./schedule.js";
import { now, sleep, state, withTimeout } from "./state.js";
import { PLAYS_KEY, readQueue, writeQueue } from "./storage.js";

function playing() {
    return currentWindow(state.manifest, now());
}

function newLayer() {
    const node = el("div", "layer");
    node.setAttribute("aria-hidden", "true");
    byId("stage").appendChild(node);
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

export const player = {
    running: false,
    layers: [],
    front: 0,
    cursor: { key: null, index: -1 },
    pending: null,
    timers: [],
    current: null,
    token: 0,
    // The entry whose turn came and which is still loading (its cursor has moved past it).
    loading: null,
    suspended: false,
    onPlayed() {},

    start() {
        this.running = true;
        this.layers = [newLayer(), newLayer()];
        this.next();
    },

    /* The next entry of the window playing now, looping in order. */
    take() {
        const manifest = state.manifest;
        const taken = nextEntry(this.cursor, playing(), manifest && manifest.items, (item) => Boolean(builders[item.kind]));
        this.cursor = taken.cursor;
        return taken.entry;
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
            this.cursor = cursorBefore(this.pending);
            this.pending = null;
        }
        this.next();
    },

    /* Stop playing, now: the record of the item on screen ends here, its video stops and the
     * layers empty; nothing starts until resume(). */
    suspend() {
        if (this.suspended) {
            return;
        }
        this.suspended = true;
        this.token += 1;
        this.clearTimers();
        const interrupted = (this.current && this.current.entry) || this.loading || this.pending;
        if (interrupted) {
            this.cursor = cursorBefore(interrupted);
        }
        this.finishPlay();
        this.pending = null;
        this.loading = null;
        this.layers.forEach((layer) => {
            clearLayer(layer);
            layer.node.classList.remove("is-front");
            layer.node.setAttribute("aria-hidden", "true");
        });
        byId("idle").hidden = true;
        body.dataset.item = "";
        body.dataset.kind = "";
    },

    resume() {
        if (!this.suspended) {
            return;
        }
        this.suspended = false;
        body.dataset.state = "loading";
        if (this.running) {
            this.next();
        }
    },

    async next(failures) {
        if (this.suspended) {
            return;
        }
        const run = ++this.token;
        this.clearTimers();
        this.finishPlay();
        let entry = this.pending;
        this.pending = null;
        const manifest = state.manifest;
        if (entry && (entry.key !== windowKey(playing()) || !isUnchanged(manifest && manifest.items, entry.item))) {
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
        this.loading = entry;
        let shown;
        try {
            shown = await withTimeout(entry.ready, WATCHDOG_MS);
        } catch {
            if (run !== this.token) {
                return;
            }
            // Failed or stalled while loading: skip it (within WATCHDOG_MS of its turn).
            this.loading = null;
            body.dataset.skipped = entry.item.id;
            clearLayer(entry.layer);
            const after = afterFailure(failures);
            if (after.pauseMs) {
                await sleep(after.pauseMs);
            }
            if (run === this.token) {
                this.next(after.failures);
            }
            return;
        }
        if (run !== this.token) {
            return;
        }
        this.loading = null;
        this.show(entry, shown, run);
    },

    show(entry, shown, run) {
        byId("idle").hidden = true;
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
        this.current = { item: entry.item, entry: entry, startedAt: now(), started: Date.now() };
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
        byId("idle").hidden = false;
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
        const record = playRecord(current, Date.now(), crypto.randomUUID());
        writeQueue(PLAYS_KEY, appendCapped(readQueue(PLAYS_KEY), record, MAX_QUEUED_PLAYS));
        this.onPlayed();
    },
};
