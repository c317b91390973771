/* What the player's modules share while it runs, and the clock they read it by.
 *
 * The clock is the server's: the manifest and every POST answer carry the server's time, and the
 * offset to it is kept here, so schedule windows start when the server says, not when a screen
 * with a wrong clock thinks. */

export const state = {
    token: null,
    manifest: null,
    // The active alert cards, most severe first (alerting.js keeps them).
    alerts: [],
    serverOffsetMs: 0,
    onlineSince: null,
};

export function now() {
    return Date.now() + state.serverOffsetMs;
}

export function iso(ms) {
    return new Date(ms).toISOString();
}

export function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

export function withTimeout(promise, ms) {
    return Promise.race([promise, sleep(ms).then(() => { throw new Error("timeout"); })]);
}
