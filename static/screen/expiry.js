/* When things run out: an item's turn, a video that stopped advancing or runs far too long, a
 * pairing code. Pure functions: unit-tested in tests/js/. */

// A video that shows no progress for this long is given up, and so is an item still loading this
// long after its turn came.
export const WATCHDOG_MS = 4000;
// The pairing code's lifetime when the server's answer names none.
export const PAIRING_FALLBACK_MS = 600000;

/* How long a card or an image stays on screen. */
export function turnMs(item) {
    return (item.duration || 10) * 1000;
}

/* How long each comic panel stays on screen: its own duration, else an equal share of the
 * item's, else 8 s. */
export function panelMs(panel, item, panelCount) {
    return (panel.duration || item.duration / panelCount || 8) * 1000;
}

/* The longest a video may play before it is given up, even while it advances. */
export function overrunMs(item, videoDuration) {
    return ((item.duration || videoDuration || 60) * 1.5 + 10) * 1000;
}

/* A stall watch for a playing video: call it with the video's currentTime and the wall clock;
 * it answers true once currentTime has not moved for WATCHDOG_MS. */
export function stallWatch(startedAt) {
    let lastTime = -1;
    let lastProgress = startedAt;
    return (currentTime, at) => {
        if (currentTime !== lastTime) {
            lastTime = currentTime;
            lastProgress = at;
            return false;
        }
        return at - lastProgress >= WATCHDOG_MS;
    };
}

/* When a pairing code shown at `nowMs` runs out. */
export function pairingDeadline(pairing, nowMs) {
    return Date.parse(pairing.expires_at) || nowMs + PAIRING_FALLBACK_MS;
}

/* How often to ask whether the pairing code was claimed. */
export function pairingPollMs(pairing) {
    return Math.max(1, pairing.poll_seconds || 5) * 1000;
}

/* The delay before the next manifest poll: the manifest's interval, spread by ±10 % so screens
 * started together do not poll together. `random` is in [0, 1). */
export function pollDelayMs(manifest, random) {
    const seconds = (manifest && manifest.poll_seconds) || 300;
    return seconds * 1000 * (0.9 + random * 0.2);
}
