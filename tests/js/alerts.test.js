import assert from "node:assert/strict";
import { test } from "node:test";

import {
    ALERT_TURN_MS, beijingTime, fromManifest, fromStored, isCard, ordered, pickShown, pruned,
    storedForm, withAck, withEvent,
} from "../../static/screen/alerts.js";

const T = Date.parse("2026-12-07T02:15:00Z");
const HOUR = 3600000;

function card(identifier, rank, sentMinutesAgo, fields = {}) {
    return Object.assign({
        identifier: identifier,
        status: "Actual",
        label: "",
        msg_type: "Alert",
        event: "寒潮蓝色预警",
        headline: "呼和浩特市气象台发布寒潮蓝色预警",
        instruction: ["注意添衣保暖", "减少户外活动"],
        severity: "Minor",
        rank: rank,
        colour: "blue",
        colour_label: "蓝色",
        sent: new Date(T - sentMinutesAgo * 60000).toISOString(),
        onset: null,
        expires: new Date(T + HOUR).toISOString(),
        url: "https://kepu.example/alerts/" + identifier + "/",
        replaces: [],
    }, fields);
}

const ids = (cards) => cards.map((c) => c.identifier);

test("a card without an identifier or a readable expiry is not an alert the screen can honour", () => {
    assert.equal(isCard(card("a", 1, 0)), true);
    assert.equal(isCard(card("", 1, 0)), false);
    assert.equal(isCard(card("a", 1, 0, { expires: "soon" })), false);
    assert.equal(isCard(null), false);
    assert.equal(isCard({ identifier: 5, expires: "2026-12-07T03:00:00Z" }), false);
});

test("alerts are ordered most severe first, then the most recently issued", () => {
    const cards = [card("minor", 1, 0), card("red-old", 4, 30), card("red-new", 4, 5), card("orange", 3, 1)];
    assert.deepEqual(ids(ordered(cards)), ["red-new", "red-old", "orange", "minor"]);
});

test("an alert is gone once its expiry passed by the server's clock", () => {
    const ends = card("a", 1, 0, { expires: new Date(T).toISOString() });
    assert.deepEqual(ids(pruned([ends], T - 1)), ["a"]);
    assert.deepEqual(ids(pruned([ends], T)), []);
});

test("a freshly fetched manifest replaces the set, expired and malformed cards left out", () => {
    const manifest = {
        alerts: [
            card("minor", 1, 0),
            card("gone", 4, 0, { expires: new Date(T - 1).toISOString() }),
            card("red", 4, 0),
            { identifier: "broken" },
        ],
    };
    assert.deepEqual(ids(fromManifest(manifest, T)), ["red", "minor"]);
    assert.deepEqual(fromManifest({ items: {} }, T), []);
    assert.deepEqual(fromManifest(null, T), []);
});

test("a pushed alert joins the set, or replaces the one with its identifier", () => {
    let cards = withEvent([], { alert: card("a", 1, 0) }, T);
    cards = withEvent(cards, { alert: card("b", 3, 0) }, T);
    assert.deepEqual(ids(cards), ["b", "a"]);
    cards = withEvent(cards, { alert: card("a", 4, 0, { headline: "升级" }) }, T);
    assert.deepEqual(ids(cards), ["a", "b"]);
    assert.equal(cards[0].headline, "升级");
});

test("an update removes every alert it replaces", () => {
    const cards = [card("a", 1, 10), card("b", 1, 5), card("c", 1, 1)];
    const update = card("a2", 2, 0, { msg_type: "Update", replaces: ["a", "b"] });
    assert.deepEqual(ids(withEvent(cards, { alert: update }, T)), ["a2", "c"]);
});

test("a cancel removes its alert; an unknown or unreadable event changes nothing", () => {
    const cards = [card("a", 1, 10), card("b", 2, 5)];
    assert.deepEqual(ids(withEvent(cards, { cancel: "a" }, T)), ["b"]);
    assert.deepEqual(ids(withEvent(cards, { cancel: "zzz" }, T)), ["b", "a"]);
    assert.deepEqual(ids(withEvent(cards, {}, T)), ["b", "a"]);
    assert.deepEqual(ids(withEvent(cards, { alert: { identifier: "x" } }, T)), ["b", "a"]);
    assert.deepEqual(ids(withEvent(cards, null, T)), ["b", "a"]);
});

test("a pushed alert already expired by the screen's clock is not shown", () => {
    const late = card("late", 4, 90, { expires: new Date(T - 1000).toISOString() });
    assert.deepEqual(withEvent([], { alert: late }, T), []);
});

test("the only alert shows and stays", () => {
    const cards = [card("a", 1, 0)];
    const first = pickShown(cards, null, new Set(), T);
    assert.deepEqual(first, { identifier: "a", since: T, first: true });
    const seen = new Set(["a"]);
    assert.equal(pickShown(cards, first, seen, T + 5 * ALERT_TURN_MS), first);
    assert.equal(pickShown([], first, seen, T), null);
});

test("several alerts rotate in order, a turn each", () => {
    const cards = [card("red", 4, 0), card("orange", 3, 0), card("blue", 1, 0)];
    const seen = new Set(["red", "orange", "blue"]);
    let shown = pickShown(cards, null, seen, T);
    const order = [shown.identifier];
    for (let t = T + 1000; t <= T + 3 * ALERT_TURN_MS; t += 1000) {
        const next = pickShown(cards, shown, seen, t);
        if (next.identifier !== shown.identifier) {
            assert.equal(t - shown.since, ALERT_TURN_MS);
            order.push(next.identifier);
        }
        shown = next;
    }
    assert.deepEqual(order, ["red", "orange", "blue", "red"]);
});

test("a new alert shows at once, even in the middle of another's turn", () => {
    const seen = new Set(["blue"]);
    const shown = { identifier: "blue", since: T, first: false };
    const cards = [card("yellow", 2, 0), card("blue", 1, 5)];
    assert.deepEqual(pickShown(cards, shown, seen, T + 1000), { identifier: "yellow", since: T + 1000, first: true });
    // Even a less severe one: it has never been seen.
    const lesser = [card("blue", 1, 5), card("blue2", 1, 6)];
    assert.equal(pickShown(lesser, shown, seen, T + 1000).identifier, "blue2");
});

test("new alerts arriving together each get a full first turn, most severe first", () => {
    const cards = [card("red", 4, 0), card("yellow", 2, 0)];
    const seen = new Set();
    const first = pickShown(cards, null, seen, T);
    assert.equal(first.identifier, "red");
    seen.add("red");
    assert.equal(pickShown(cards, first, seen, T + 1000), first);
    const second = pickShown(cards, first, seen, T + ALERT_TURN_MS);
    assert.deepEqual(second, { identifier: "yellow", since: T + ALERT_TURN_MS, first: true });
});

test("when the alert on screen is cancelled the next one shows at once", () => {
    const seen = new Set(["red", "blue"]);
    const shown = { identifier: "red", since: T, first: false };
    assert.deepEqual(pickShown([card("blue", 1, 0)], shown, seen, T + 1000), { identifier: "blue", since: T + 1000, first: false });
});

function fakeStorage() {
    const values = new Map();
    return {
        getItem: (key) => (values.has(key) ? values.get(key) : null),
        setItem: (key, value) => values.set(key, String(value)),
    };
}

test("the set kept on the device reads back the same, with what was already displayed", () => {
    const storage = fakeStorage();
    const cards = [card("red", 4, 0), card("blue", 1, 0)];
    storage.setItem("alerts", storedForm(cards, new Set(["blue", "long-gone"])));
    const back = fromStored(storage.getItem("alerts"), T);
    assert.deepEqual(back.cards, cards);
    assert.deepEqual([...back.seen], ["blue"]);
});

test("after a reload an alert that expired meanwhile is not shown again", () => {
    const storage = fakeStorage();
    const short = card("short", 4, 0, { expires: new Date(T + 60000).toISOString() });
    storage.setItem("alerts", storedForm([short, card("long", 1, 0)], new Set(["short", "long"])));
    const back = fromStored(storage.getItem("alerts"), T + 60000);
    assert.deepEqual(ids(back.cards), ["long"]);
    assert.deepEqual([...back.seen], ["long"]);
});

test("nothing or garbage kept on the device is an empty set", () => {
    for (const text of [null, "", "{not json", "[1, 2]", '{"cards": 5}', '{"cards": [{"identifier": "x"}]}']) {
        const back = fromStored(text, T);
        assert.deepEqual(back.cards, [], String(text));
        assert.equal(back.seen.size, 0);
    }
});

test("the issue time is shown as Beijing time", () => {
    assert.equal(beijingTime("2026-12-07T02:15:00Z"), "12月7日 10:15");
    assert.equal(beijingTime("2026-12-07T23:05:00+08:00"), "12月7日 23:05");
    assert.equal(beijingTime("2026-12-07T16:30:00Z"), "12月8日 00:30");
    assert.equal(beijingTime(null), "");
});

test("an alert is acknowledged once, however often it shows", () => {
    let queue = withAck([], "a");
    queue = withAck(queue, "b");
    queue = withAck(queue, "a");
    assert.deepEqual(queue, [{ alert: "a" }, { alert: "b" }]);
});
