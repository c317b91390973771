/* 科普青城 screen player: pairing, schedule playback, emergency alerts, offline cache, push
 * channel, queues.
 *
 * The entry module (<script type="module"> in templates/screens/player.html); the others are
 * loaded through its imports as they are, no bundler. Every module is listed in
 * screens/player.py's SHELL_ASSETS so the service worker (/screen/sw.js) keeps it for starting
 * offline; a test there checks the list against the imports.
 *
 * State kept on the screen is described in storage.js; hooks for tests and monitoring in dom.js.
 */

import { startAlerts } from "./alerting.js";
import { body, byId, setNet } from "./dom.js";
import {
    applyManifest, connectPush, fetchManifest, flushAcks, flushQueues, reconnect, sendHeartbeat,
} from "./network.js";
import { HEARTBEAT_MS } from "./offline.js";
import { pair, takeTokenFromHash } from "./pairing.js";
import { player } from "./playback.js";
import { now, sleep, state } from "./state.js";
import { loadStoredManifest, syncMedia } from "./storage.js";

function tick() {
    const clock = byId("clock");
    const time = new Date(now());
    clock.dateTime = time.toISOString();
    clock.textContent = time.toLocaleTimeString("zh-CN", {
        hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Shanghai",
    });
}

async function registerWorker() {
    if (!("serviceWorker" in navigator)) {
        return;
    }
    try {
        await navigator.serviceWorker.register(body.dataset.sw, { scope: "./" });
    } catch {
        // Without a worker the player still plays; it only cannot start again offline.
    }
}

async function main() {
    tick();
    setInterval(tick, 1000);
    registerWorker();
    player.onPlayed = flushQueues;
    state.token = takeTokenFromHash();
    if (!state.token) {
        state.token = await pair();
    }
    body.dataset.state = "loading";
    const stored = await loadStoredManifest();
    // An alert kept on the device shows at once, before the stored playlist could start.
    startAlerts(flushAcks);
    if (stored) {
        // Play what we have at once; the network may be slow or gone.
        setNet(navigator.onLine);
        applyManifest(stored);
    }
    const fetched = await fetchManifest();
    if (!fetched && !stored) {
        // Nothing to play yet: keep trying until the server answers.
        while (!(await fetchManifest())) {
            await sleep(5000);
        }
    }
    if (state.manifest) {
        syncMedia(state.manifest);
    }
    sendHeartbeat();
    setInterval(sendHeartbeat, HEARTBEAT_MS);
    connectPush();
    window.addEventListener("online", reconnect);
    window.addEventListener("offline", () => setNet(false));
}

main();
