import assert from "node:assert/strict";
import { test } from "node:test";

import {
    overrunMs, pairingDeadline, pairingPollMs, panelMs, PAIRING_FALLBACK_MS, pollDelayMs,
    stallWatch, turnMs, WATCHDOG_MS,
} from "../../static/screen/expiry.js";

test("a card's turn is its duration, 10 s without one", () => {
    assert.equal(turnMs({ duration: 2 }), 2000);
    assert.equal(turnMs({}), 10000);
});

test("a comic panel lasts its own time, else a share of the item's, else 8 s", () => {
    assert.equal(panelMs({ duration: 3 }, { duration: 20 }, 4), 3000);
    assert.equal(panelMs({ duration: null }, { duration: 20 }, 4), 5000);
    assert.equal(panelMs({ duration: null }, {}, 4), 8000);
});

test("a video is given up at one and a half times its length plus 10 s", () => {
    assert.equal(overrunMs({ duration: 8 }, 30), 22000);
    assert.equal(overrunMs({}, 30), 55000);
    assert.equal(overrunMs({}, NaN), 100000);
});

test("a video that stops advancing is stalled after the watchdog's time, not before", () => {
    const stalled = stallWatch(0);
    assert.equal(stalled(0, 0), false);
    assert.equal(stalled(0.5, 500), false);
    assert.equal(stalled(0.5, 500 + WATCHDOG_MS - 1), false);
    assert.equal(stalled(0.5, 500 + WATCHDOG_MS), true);
});

test("progress resets the watchdog", () => {
    const stalled = stallWatch(0);
    stalled(1, 1000);
    assert.equal(stalled(1, 4000), false);
    assert.equal(stalled(2, 4900), false);
    assert.equal(stalled(2, 4900 + WATCHDOG_MS - 1), false);
    assert.equal(stalled(2, 4900 + WATCHDOG_MS), true);
});

test("a pairing code runs out when the server says, or after ten minutes", () => {
    const now = Date.parse("2026-01-01T08:00:00Z");
    assert.equal(pairingDeadline({ expires_at: "2026-01-01T08:05:00Z" }, now), now + 300000);
    assert.equal(pairingDeadline({ expires_at: "soon" }, now), now + PAIRING_FALLBACK_MS);
    assert.equal(pairingDeadline({}, now), now + 600000);
});

test("the pairing poll is the server's interval, at least a second, 5 s by default", () => {
    assert.equal(pairingPollMs({ poll_seconds: 3 }), 3000);
    assert.equal(pairingPollMs({ poll_seconds: 0.2 }), 1000);
    assert.equal(pairingPollMs({}), 5000);
});

test("manifest polls are spread by ten per cent around the interval", () => {
    assert.equal(pollDelayMs({ poll_seconds: 100 }, 0), 90000);
    assert.equal(pollDelayMs({ poll_seconds: 100 }, 0.5), 100000);
    assert.ok(pollDelayMs({ poll_seconds: 100 }, 0.999999) < 110000);
    assert.equal(pollDelayMs(null, 0.5), 300000);
});
