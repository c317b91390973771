import assert from "node:assert/strict";
import { test } from "node:test";

import {
    appendCapped, isAckRefused, isAcceptable, isCurrentCopy, isRefused, MAX_QUEUED_BEATS, mediaEntries,
    parseQueue, playRecord, PUSH_BACKOFF_MAX_S, pushDelayMs, serverOffset, staleUrls, withoutSent,
} from "../../static/screen/offline.js";

test("a stored queue that cannot be read is empty, not an error", () => {
    assert.deepEqual(parseQueue(null), []);
    assert.deepEqual(parseQueue("{not json"), []);
    assert.deepEqual(parseQueue('{"uuid": 1}'), []);
    assert.deepEqual(parseQueue('[{"uuid": "u1"}]'), [{ uuid: "u1" }]);
});

test("a full queue drops its oldest records", () => {
    let beats = [];
    for (let n = 0; n < MAX_QUEUED_BEATS + 5; n += 1) {
        beats = appendCapped(beats, { n: n }, MAX_QUEUED_BEATS);
    }
    assert.equal(beats.length, MAX_QUEUED_BEATS);
    assert.deepEqual(beats[0], { n: 5 });
    assert.deepEqual(beats.at(-1), { n: MAX_QUEUED_BEATS + 4 });
});

test("records leave the queue once sent; those queued meanwhile stay", () => {
    const batch = [{ uuid: "a" }, { uuid: "b" }];
    const now = [{ uuid: "a" }, { uuid: "b" }, { uuid: "c" }];
    assert.deepEqual(withoutSent(now, batch), [{ uuid: "c" }]);
    assert.deepEqual(withoutSent([], batch), []);
});

test("a record refused for its content is dropped, one the server failed on is kept", () => {
    assert.deepEqual([400, 413, 422].map(isRefused), [true, true, true]);
    assert.deepEqual([401, 429, 500, 503].map(isRefused), [false, false, false, false]);
});

test("an alert acknowledgement for an unknown or untargeted alert is dropped, not retried", () => {
    assert.deepEqual([400, 404, 413, 422].map(isAckRefused), [true, true, true, true]);
    assert.deepEqual([401, 429, 500, 503].map(isAckRefused), [false, false, false, false]);
});

test("a proof-of-play record names the item, its start in server time and how long it showed", () => {
    const current = { item: { id: "p1-2-1" }, startedAt: Date.parse("2026-01-01T08:00:00Z"), started: 1000 };
    assert.deepEqual(playRecord(current, 3500, "u1"), {
        uuid: "u1", item: "p1-2-1", started_at: "2026-01-01T08:00:00.000Z", duration_ms: 2500,
    });
    assert.equal(playRecord(current, 500, "u2").duration_ms, 0);
});

test("the server's clock is read as of the answer's arrival: never ahead of the server", () => {
    const server = Date.parse("2026-01-01T08:00:00Z");
    // Sent 1000 ms and received 600 ms before the server's stamp by our clock: the server may
    // have stamped it anywhere in between, so the offset taken is the smallest, 600.
    assert.equal(serverOffset("2026-01-01T08:00:00Z", server - 1000, server - 600), 600);
    assert.equal(serverOffset(undefined, 0, 10), null);
});

test("the push channel backs off by doubling up to a minute, randomised down to half", () => {
    assert.equal(pushDelayMs(0, 1), 1000);
    assert.equal(pushDelayMs(3, 1), 8000);
    assert.equal(pushDelayMs(3, 0), 4000);
    assert.equal(pushDelayMs(20, 1), PUSH_BACKOFF_MAX_S * 1000);
});

const absolute = (url) => new URL(url, "https://kepu.example").href;
const qrUrl = (page) => absolute("/screen/qr.svg?url=" + encodeURIComponent(page));

test("the media a manifest needs offline: its files by checksum, and the cards' QR codes", () => {
    const manifest = {
        items: {
            a: { kind: "card", url: "https://kepu.example/kepu/a/", media: [{ url: "/media/a.png", sha256: "aa", mime: "image/png" }] },
            v: { kind: "video", url: "https://kepu.example/kepu/v/", media: [{ url: "/media/v.mp4", sha256: "vv", mime: "video/mp4" }] },
        },
    };
    const wanted = mediaEntries(manifest, absolute, qrUrl);
    assert.deepEqual([...wanted.keys()].sort(), [
        "https://kepu.example/media/a.png",
        "https://kepu.example/media/v.mp4",
        qrUrl("https://kepu.example/kepu/a/"),
    ].sort());
    assert.deepEqual(wanted.get("https://kepu.example/media/v.mp4"), { sha256: "vv", mime: "video/mp4" });
    assert.equal(wanted.get(qrUrl("https://kepu.example/kepu/a/")).sha256, null);
    assert.equal(mediaEntries({}, absolute, qrUrl).size, 0);
});

test("the QR codes of the alerts a screen keeps are kept offline too", () => {
    const page = "https://kepu.example/alerts/a1/";
    const manifest = { items: {}, alerts: [{ identifier: "a1", url: page }] };
    assert.deepEqual([...mediaEntries(manifest, absolute, qrUrl).keys()], [qrUrl(page)]);
    // The screen's own set wins: it holds alerts pushed since the manifest, and no cancelled one.
    const pushed = "https://kepu.example/alerts/a2/";
    const kept = [{ identifier: "a2", url: pushed }];
    assert.deepEqual([...mediaEntries(manifest, absolute, qrUrl, kept).keys()], [qrUrl(pushed)]);
    assert.equal(mediaEntries(manifest, absolute, qrUrl, []).size, 0);
});

test("only a copy with the manifest's checksum is kept and played", () => {
    assert.equal(isCurrentCopy("aa", { sha256: "aa" }), true);
    assert.equal(isCurrentCopy("old", { sha256: "aa" }), false);
    assert.equal(isCurrentCopy(null, { sha256: "aa" }), false);
    assert.equal(isCurrentCopy(null, { sha256: null }), true);
    assert.equal(isAcceptable("aa", { sha256: "aa" }), true);
    assert.equal(isAcceptable("corrupt", { sha256: "aa" }), false);
    assert.equal(isAcceptable("anything", { sha256: null }), true);
});

test("files no manifest entry wants any more are dropped from the cache", () => {
    const wanted = new Map([["https://kepu.example/media/a.png", {}]]);
    const cached = ["https://kepu.example/media/a.png", "https://kepu.example/media/old.png"];
    assert.deepEqual(staleUrls(cached, wanted), ["https://kepu.example/media/old.png"]);
});
