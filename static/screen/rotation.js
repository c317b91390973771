/* The rotation through a window's items: in order, looping, skipping what cannot be played.
 * Pure functions: unit-tested in tests/js/. */

import { windowKey } from "./schedule.js";

/* The entry after `cursor` in `window` as {cursor, entry}; entry is null when nothing in the
 * window can be played. A cursor of another window starts that window from its first item. */
export function nextEntry(cursor, window, items, playable) {
    if (!window || !window.items.length) {
        return { cursor: cursor, entry: null };
    }
    const key = windowKey(window);
    let index = cursor.key === key ? cursor.index : -1;
    for (let step = 0; step < window.items.length; step += 1) {
        index = (index + 1) % window.items.length;
        const item = (items || {})[window.items[index]];
        if (item && playable(item)) {
            return { cursor: { key: key, index: index }, entry: { item: item, key: key, index: index } };
        }
    }
    return { cursor: { key: key, index: index }, entry: null };
}

/* The cursor that makes `entry` the next one again (a preloaded entry given up by a cut). */
export function cursorBefore(entry) {
    return { key: entry.key, index: entry.index - 1 };
}

/* Whether a preloaded item is still the one the manifest lists, unchanged. */
export function isUnchanged(items, item) {
    const fresh = (items || {})[item.id];
    return Boolean(fresh) && JSON.stringify(fresh) === JSON.stringify(item);
}

/* After a failed load: how many failures in a row to remember, and whether to pause first
 * (three in a row: the network or the server is in trouble, do not spin). */
export function afterFailure(failures) {
    const count = (failures || 0) + 1;
    return count >= 3 ? { failures: 0, pauseMs: 1000 } : { failures: count, pauseMs: 0 };
}
