/* The screen's token: provisioned by /screen/#token=TOKEN, or got by pairing (the screen shows a
 * code, an administrator claims it), and forgotten when the server no longer accepts it. */

import { API, body, byId, TEXT } from "./dom.js";
import { pairingDeadline, pairingPollMs } from "./expiry.js";
import { sleep, state } from "./state.js";
import { ACKS_KEY, ALERTS_KEY, STATE_CACHE, TOKEN_KEY } from "./storage.js";

export function takeTokenFromHash() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
        localStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
        // The token should not stay visible in the address bar or the history.
        history.replaceState(null, "", location.pathname + location.search);
    }
    return localStorage.getItem(TOKEN_KEY);
}

export async function forgetToken() {
    localStorage.removeItem(TOKEN_KEY);
    // Alerts were for the screen this token named; paired again, it may stand elsewhere.
    localStorage.removeItem(ALERTS_KEY);
    localStorage.removeItem(ACKS_KEY);
    state.token = null;
    state.manifest = null;
    await caches.delete(STATE_CACHE);
    location.reload();
}

/* Shows pairing codes, a new one whenever the last ran out, until one is claimed. */
export async function pair() {
    const section = byId("pairing");
    const codeEl = byId("pairing-code");
    const statusEl = byId("pairing-status");
    section.hidden = false;
    body.dataset.state = "pairing";
    for (;;) {
        let pairing;
        try {
            const response = await fetch(API + "pairing", { method: "POST" });
            if (!response.ok) {
                throw new Error("pairing " + response.status);
            }
            pairing = await response.json();
        } catch {
            statusEl.textContent = TEXT.connecting;
            await sleep(5000);
            continue;
        }
        codeEl.textContent = pairing.code;
        statusEl.textContent = TEXT.waiting;
        const pollMs = pairingPollMs(pairing);
        const expires = pairingDeadline(pairing, Date.now());
        while (Date.now() < expires) {
            await sleep(pollMs);
            let result;
            try {
                // The secret travels in the body: a URL would leave it in access logs.
                const response = await fetch(API + "pairing/poll", {
                    method: "POST",
                    cache: "no-store",
                    headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ claim_secret: pairing.claim_secret }),
                });
                if (response.status === 404) {
                    break;
                }
                result = await response.json();
            } catch {
                statusEl.textContent = TEXT.connecting;
                continue;
            }
            statusEl.textContent = TEXT.waiting;
            if (result.status === "claimed" && result.token) {
                localStorage.setItem(TOKEN_KEY, result.token);
                section.hidden = true;
                return result.token;
            }
        }
        statusEl.textContent = TEXT.expired;
    }
}
