/* The player's traffic with the server: the manifest (polled, and fetched when the push channel
 * says it changed), heartbeats, proof of play and alert acknowledgements (queued, sent once),
 * and the push channel (which also brings emergency alerts). */

import { alertFromPush, alertsFromManifest } from "./alerting.js";
import { API, body, PLAYER_VERSION, setNet } from "./dom.js";
import { pollDelayMs } from "./expiry.js";
import {
    appendCapped, isAckRefused, isRefused, MAX_QUEUED_BEATS, PLAYS_PER_POST, pushDelayMs,
    serverOffset, withoutSent,
} from "./offline.js";
import { forgetToken } from "./pairing.js";
import { player } from "./playback.js";
import { currentWindow, interruptsPlayback, windowKey } from "./schedule.js";
import { iso, now, state } from "./state.js";
import {
    ACKS_KEY, BEATS_KEY, PLAYS_KEY, readQueue, storeManifest, syncMedia, writeQueue,
} from "./storage.js";

let pollTimer = null;
let eventSource = null;
let pushAttempt = 0;
let pushTimer = null;
let flushing = false;
let flushingAcks = false;
let acksAgain = false;

function authHeaders(extra) {
    return Object.assign({ Authorization: "Bearer " + state.token }, extra || {});
}

function noteServerTime(serverTime, sentAt, receivedAt) {
    const offset = serverOffset(serverTime, sentAt, receivedAt);
    if (offset !== null) {
        state.serverOffsetMs = offset;
    }
}

/* Fetches the manifest (a 304 when unchanged); true when the server answered. */
export async function fetchManifest() {
    const headers = authHeaders();
    if (state.manifest && state.manifest.version) {
        headers["If-None-Match"] = '"' + state.manifest.version + '"';
    }
    const sentAt = Date.now();
    let response;
    try {
        response = await fetch(API + "manifest", { headers: headers, cache: "no-store" });
    } catch {
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
    // Alerts first: with one active, the playlist must not start underneath it.
    alertsFromManifest(fresh, sentAt);
    applyManifest(fresh);
    syncMedia(fresh);
    return true;
}

export function applyManifest(fresh) {
    const previousKey = state.manifest ? windowKey(currentWindow(state.manifest, now())) : null;
    state.manifest = fresh;
    body.dataset.version = fresh.version;
    schedulePoll();
    if (!player.running) {
        player.start();
        return;
    }
    if (interruptsPlayback(previousKey, currentWindow(fresh, now()), player.current, fresh.items)) {
        player.cut();
    }
}

function schedulePoll() {
    clearTimeout(pollTimer);
    // Heartbeats keep their own minute (player.js), whatever the poll interval.
    pollTimer = setTimeout(async () => {
        await fetchManifest();
        schedulePoll();
    }, pollDelayMs(state.manifest, Math.random()));
}

/* ---------- heartbeats, proof of play and acknowledgements: queued, sent once ---------- */

async function storageFree() {
    try {
        const estimate = await navigator.storage.estimate();
        return Math.max(0, (estimate.quota || 0) - (estimate.usage || 0));
    } catch {
        return null;
    }
}

export async function sendHeartbeat() {
    if (!state.token) {
        return;
    }
    const beat = {
        player_version: PLAYER_VERSION,
        current_item: player.current ? player.current.item.id : "",
        free_storage_bytes: await storageFree(),
        client_time: iso(Date.now()),
    };
    if (state.onlineSince !== null) {
        beat.online_since = iso(state.onlineSince);
    }
    writeQueue(BEATS_KEY, appendCapped(readQueue(BEATS_KEY), beat, MAX_QUEUED_BEATS));
    await flushQueues();
}

async function post(path, payload, refused = isRefused) {
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
    if (refused(response.status)) {
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
export async function flushQueues() {
    if (flushing || !state.token) {
        return;
    }
    flushing = true;
    // Acknowledgements on their own: they must not wait behind a long backlog of plays.
    flushAcks();
    try {
        // Proof of play first: it is what reports are made of.
        for (;;) {
            const batch = readQueue(PLAYS_KEY).slice(0, PLAYS_PER_POST);
            if (!batch.length) {
                break;
            }
            await post("plays", { plays: batch });
            writeQueue(PLAYS_KEY, withoutSent(readQueue(PLAYS_KEY), batch));
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

/* Sends the queued alert acknowledgements: apart from the other queues, as soon as an alert
 * shows (the operator console times them). One found unsendable for good (404, 400) leaves. */
export async function flushAcks() {
    if (!state.token) {
        return;
    }
    if (flushingAcks) {
        acksAgain = true;
        return;
    }
    flushingAcks = true;
    try {
        do {
            acksAgain = false;
            for (;;) {
                const ack = readQueue(ACKS_KEY)[0];
                if (!ack) {
                    break;
                }
                await post("acks", ack, isAckRefused);
                writeQueue(ACKS_KEY, readQueue(ACKS_KEY).filter((queued) => queued.alert !== ack.alert));
            }
        } while (acksAgain);
    } catch (error) {
        if (error instanceof TypeError) {
            setNet(false);
        }
    } finally {
        flushingAcks = false;
    }
}

/* ---------- push channel ---------- */

function schedulePush() {
    clearTimeout(pushTimer);
    const delay = pushDelayMs(pushAttempt, Math.random());
    pushAttempt += 1;
    pushTimer = setTimeout(connectPush, delay);
}

export async function connectPush() {
    if (!state.token || eventSource) {
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
    } catch {
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
        let data;
        try {
            data = JSON.parse(event.data);
        } catch {
            data = {};
        }
        if (!state.manifest || data.version !== state.manifest.version) {
            fetchManifest();
        }
    });
    source.addEventListener("alert", (event) => {
        try {
            alertFromPush(JSON.parse(event.data));
        } catch {
            // An unreadable event: the manifest that follows carries the alert too.
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

/* Back online: catch up at once, and reconnect the push channel without waiting for the
 * back-off. */
export function reconnect() {
    fetchManifest();
    flushQueues();
    if (!eventSource) {
        pushAttempt = 0;
        connectPush();
    }
}
