/* The page the player runs in: its elements, its texts (translated in the template) and the
 * data attributes on <body> that tests and monitoring read (data-state, data-item, data-kind,
 * data-net, data-push, data-cache, and data-alert: the identifier of the alert on screen). */

import { now, state } from "./state.js";

export const body = document.body;
export const API = body.dataset.api;
export const QR = body.dataset.qr;
export const PLAYER_VERSION = body.dataset.playerVersion;
export const TEXT = document.getElementById("strings").dataset;

export function byId(id) {
    return document.getElementById(id);
}

export function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
        node.className = className;
    }
    if (text) {
        node.textContent = text;
    }
    return node;
}

export function absolute(url) {
    return new URL(url, location.origin).href;
}

export function qrUrl(pageUrl) {
    return absolute(QR + "?url=" + encodeURIComponent(pageUrl));
}

export function setNet(online) {
    body.dataset.net = online ? "online" : "offline";
    byId("net-state").textContent = online ? "" : TEXT.offline;
    if (online && state.onlineSince === null) {
        state.onlineSince = now();
    } else if (!online) {
        state.onlineSince = null;
    }
}
