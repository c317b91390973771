/* The schedule: which window of the manifest plays at a time, and when a new manifest must
 * interrupt what is on screen. Pure functions: unit-tested in tests/js/. */

/* The window playing at `t` (ms since the epoch, server time), or null. */
export function currentWindow(manifest, t) {
    if (!manifest) {
        return null;
    }
    for (const window of manifest.schedule || []) {
        if (Date.parse(window.starts_at) <= t && t < Date.parse(window.ends_at)) {
            return window;
        }
    }
    return null;
}

/* Identifies a window across manifests: the same key means the same programme goes on. */
export function windowKey(window) {
    return window ? window.starts_at + "|" + window.playlist + "|" + Boolean(window.emergency) : "";
}

/* Whether a new manifest stops the item on screen now rather than after its turn: an emergency
 * window that was not playing before starts at once, withdrawn content stops at once, and an
 * empty screen starts playing. `previousKey` is the key of the window playing before. */
export function interruptsPlayback(previousKey, window, current, items) {
    const emergencyStarts = Boolean(window && window.emergency) && windowKey(window) !== previousKey;
    const withdrawn = Boolean(current) && !(items || {})[current.item.id];
    return emergencyStarts || withdrawn || !current;
}
