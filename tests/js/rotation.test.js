import assert from "node:assert/strict";
import { test } from "node:test";

import { afterFailure, cursorBefore, isUnchanged, nextEntry } from "../../static/screen/rotation.js";
import { windowKey } from "../../static/screen/schedule.js";

const window = { starts_at: "2026-01-01T08:00:00Z", playlist: 1, items: ["a", "b", "c"] };
const items = { a: { id: "a", kind: "card" }, b: { id: "b", kind: "video" }, c: { id: "c", kind: "card" } };
const any = () => true;
const start = { key: null, index: -1 };

function ids(cursor, count, playable = any, within = window) {
    const seen = [];
    for (let n = 0; n < count; n += 1) {
        const taken = nextEntry(cursor, within, items, playable);
        cursor = taken.cursor;
        seen.push(taken.entry && taken.entry.item.id);
    }
    return seen;
}

test("a window's items play in order and loop", () => {
    assert.deepEqual(ids(start, 7), ["a", "b", "c", "a", "b", "c", "a"]);
});

test("items that cannot be played or are missing are skipped", () => {
    const cardsOnly = (item) => item.kind === "card";
    assert.deepEqual(ids(start, 4, cardsOnly), ["a", "c", "a", "c"]);
    const gappy = { ...window, items: ["a", "gone", "c"] };
    assert.deepEqual(ids(start, 3, any, gappy), ["a", "c", "a"]);
});

test("nothing playable, or no window, gives no entry", () => {
    assert.equal(nextEntry(start, window, items, () => false).entry, null);
    assert.deepEqual(nextEntry(start, null, items, any), { cursor: start, entry: null });
    assert.equal(nextEntry(start, { ...window, items: [] }, items, any).entry, null);
});

test("a new window starts from its first item", () => {
    const other = { ...window, playlist: 2, items: ["c", "b"] };
    const inFirst = nextEntry(nextEntry(start, window, items, any).cursor, window, items, any).cursor;
    assert.equal(inFirst.index, 1);
    const taken = nextEntry(inFirst, other, items, any);
    assert.equal(taken.entry.item.id, "c");
    assert.deepEqual(taken.cursor, { key: windowKey(other), index: 0 });
});

test("a cut gives the preloaded entry back: it is the next one again", () => {
    const first = nextEntry(start, window, items, any);
    const preloaded = nextEntry(first.cursor, window, items, any).entry;
    assert.equal(preloaded.item.id, "b");
    assert.equal(nextEntry(cursorBefore(preloaded), window, items, any).entry.item.id, "b");
});

test("a preloaded item is played only if the manifest still lists it unchanged", () => {
    assert.equal(isUnchanged(items, { id: "a", kind: "card" }), true);
    assert.equal(isUnchanged(items, { id: "a", kind: "card", title: "new" }), false);
    assert.equal(isUnchanged(items, { id: "z", kind: "card" }), false);
    assert.equal(isUnchanged(null, { id: "a", kind: "card" }), false);
});

test("three failed loads in a row pause a second and start counting again", () => {
    assert.deepEqual(afterFailure(undefined), { failures: 1, pauseMs: 0 });
    assert.deepEqual(afterFailure(1), { failures: 2, pauseMs: 0 });
    assert.deepEqual(afterFailure(2), { failures: 0, pauseMs: 1000 });
});
