/* The full-screen card of one emergency alert: the warning colour, the event and headline in
 * large type, the action lines, a QR code to the alert's page, the issue time, and a big
 * 演练 / 测试 stamp when the alert is an exercise or a test. */

import { beijingTime } from "./alerts.js";
import { el, qrUrl, TEXT } from "./dom.js";
import { sourceFor } from "./storage.js";

const COLOURS = new Set(["blue", "yellow", "orange", "red"]);

/* The card's element; `position` is "1 / 2" while several alerts rotate, else "". Blob: URLs it
 * shows from the cache go into `owned`, for the caller to revoke. */
export function alertCard(card, position, owned) {
    const colour = COLOURS.has(card.colour) ? card.colour : "none";
    const node = el("article", "alert-card alert-card--" + colour);
    const event = el("p", "alert-card__event", card.event || "");
    if (card.colour_label && !(card.event || "").includes(card.colour_label)) {
        // The colour is said in words too, not only shown.
        event.appendChild(el("span", "alert-card__level", card.colour_label + TEXT.alertLevel));
    }
    node.appendChild(event);
    if (card.label) {
        node.appendChild(el("p", "alert-card__stamp", card.label));
    }
    node.appendChild(el("h2", "alert-card__headline", card.headline || card.event || ""));
    const lines = Array.isArray(card.instruction) ? card.instruction : [];
    if (lines.length) {
        node.appendChild(el("p", "alert-card__actions-title", TEXT.alertActions));
        const list = el("ol", "alert-card__actions");
        lines.forEach((line) => list.appendChild(el("li", "", line)));
        node.appendChild(list);
    }
    if (card.url) {
        const figure = el("figure", "alert-card__qr");
        const img = el("img");
        img.alt = TEXT.alertScan;
        // The card shows at once; the code follows (from the cache when offline).
        sourceFor(qrUrl(card.url), owned).then((src) => { img.src = src; });
        figure.appendChild(img);
        figure.appendChild(el("figcaption", "", TEXT.alertScan));
        node.appendChild(figure);
    }
    const meta = el("p", "alert-card__meta");
    const sent = beijingTime(card.sent);
    if (sent) {
        const time = el("time", "", TEXT.alertSent + " " + sent);
        time.dateTime = card.sent;
        meta.appendChild(time);
    }
    const expires = beijingTime(card.expires);
    if (expires) {
        const time = el("time", "", TEXT.alertExpires + " " + expires);
        time.dateTime = card.expires;
        meta.appendChild(time);
    }
    if (position) {
        meta.appendChild(el("span", "alert-card__position", position));
    }
    node.appendChild(meta);
    return node;
}
