import assert from "node:assert/strict";
import { test } from "node:test";

import { currentWindow, interruptsPlayback, windowKey } from "../../static/screen/schedule.js";

const at = (text) => Date.parse(text);
const morning = { starts_at: "2026-01-01T08:00:00Z", ends_at: "2026-01-01T12:00:00Z", playlist: 1, items: ["a"] };
const alert = { starts_at: "2026-01-01T10:00:00Z", ends_at: "2026-01-01T11:00:00Z", playlist: 2, items: ["x"], emergency: true };
const afternoon = { starts_at: "2026-01-01T12:00:00Z", ends_at: "2026-01-01T18:00:00Z", playlist: 3, items: ["b"] };

test("the window playing is the first one that contains the time", () => {
    const manifest = { schedule: [alert, morning, afternoon] };
    assert.equal(currentWindow(manifest, at("2026-01-01T09:00:00Z")), morning);
    assert.equal(currentWindow(manifest, at("2026-01-01T10:30:00Z")), alert);
    assert.equal(currentWindow(manifest, at("2026-01-01T15:00:00Z")), afternoon);
});

test("a window starts at its start and has expired at its end", () => {
    const manifest = { schedule: [morning] };
    assert.equal(currentWindow(manifest, at("2026-01-01T08:00:00Z")), morning);
    assert.equal(currentWindow(manifest, at("2026-01-01T11:59:59.999Z")), morning);
    assert.equal(currentWindow(manifest, at("2026-01-01T12:00:00Z")), null);
    assert.equal(currentWindow(manifest, at("2026-01-01T07:59:59.999Z")), null);
});

test("no manifest or no schedule plays nothing", () => {
    assert.equal(currentWindow(null, at("2026-01-01T09:00:00Z")), null);
    assert.equal(currentWindow({}, at("2026-01-01T09:00:00Z")), null);
});

test("a window's key tells programmes apart, and no window has the empty key", () => {
    assert.equal(windowKey(morning), "2026-01-01T08:00:00Z|1|false");
    assert.equal(windowKey(alert), "2026-01-01T10:00:00Z|2|true");
    assert.equal(windowKey({ ...morning, items: ["other"] }), windowKey(morning));
    assert.equal(windowKey(null), "");
});

test("an emergency window that just started interrupts the item on screen", () => {
    const current = { item: { id: "a" } };
    const items = { a: {}, x: {} };
    assert.equal(interruptsPlayback(windowKey(morning), alert, current, items), true);
    // The same emergency going on in a new manifest does not restart it.
    assert.equal(interruptsPlayback(windowKey(alert), alert, current, items), false);
});

test("an ordinary change lets the item on screen finish its turn", () => {
    const current = { item: { id: "a" } };
    assert.equal(interruptsPlayback(windowKey(morning), morning, current, { a: {} }), false);
    assert.equal(interruptsPlayback(windowKey(morning), afternoon, current, { a: {} }), false);
});

test("withdrawn content stops at once, and an empty screen starts", () => {
    assert.equal(interruptsPlayback(windowKey(morning), morning, { item: { id: "a" } }, { b: {} }), true);
    assert.equal(interruptsPlayback(windowKey(morning), morning, { item: { id: "a" } }, undefined), true);
    assert.equal(interruptsPlayback(null, morning, null, { a: {} }), true);
});
