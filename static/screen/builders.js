/* One builder per item kind: it fills a layer with the item and resolves, once everything is
 * loaded, to {durationMs, start(done, timers)}. durationMs null means the item ends itself (a
 * video calls done). */

import { body, el, qrUrl, TEXT } from "./dom.js";
import { overrunMs, panelMs, stallWatch, turnMs } from "./expiry.js";
import { sourceFor } from "./storage.js";

function mediaOf(item, roles) {
    return (item.media || []).find((media) => roles.includes(media.role));
}

function waitFor(target, events) {
    return new Promise((resolve, reject) => {
        const done = (event) => {
            events.concat(["error"]).forEach((name) => target.removeEventListener(name, done));
            if (event.type === "error") {
                reject(new Error("media error"));
            } else {
                resolve();
            }
        };
        events.concat(["error"]).forEach((name) => target.addEventListener(name, done));
    });
}

function loadImage(img, src) {
    img.src = src;
    return img.decode();
}

async function buildCard(item, layer) {
    const card = el("article", "card" + (item.content_type === "emergency" ? " card--emergency" : ""));
    card.appendChild(el("p", "card__kind", TEXT["kind" + item.content_type.charAt(0).toUpperCase() + item.content_type.slice(1)] || ""));
    card.appendChild(el("h2", "card__title", item.title));
    if (item.unreviewed && item.review) {
        card.appendChild(el("p", "card__review", item.review));
    }
    if (item.summary) {
        card.appendChild(el("p", "card__summary", item.summary));
    }
    const waits = [];
    if (item.actions && item.actions.length) {
        card.appendChild(el("p", "card__actions-title", TEXT.actions));
        const list = el("ol", "card__actions");
        item.actions.forEach((line) => list.appendChild(el("li", "", line)));
        card.appendChild(list);
    } else {
        const picture = mediaOf(item, ["image", "poster"]);
        if (picture) {
            const img = el("img", "card__image");
            img.alt = picture.alt || "";
            waits.push(sourceFor(picture.url, layer.owned).then((src) => loadImage(img, src)));
            card.appendChild(img);
        }
    }
    if (item.url) {
        const figure = el("figure", "card__qr");
        const img = el("img");
        img.alt = TEXT.scan + "：" + item.title;
        waits.push(sourceFor(qrUrl(item.url), layer.owned).then((src) => loadImage(img, src)));
        figure.appendChild(img);
        figure.appendChild(el("figcaption", "", TEXT.scan));
        card.appendChild(figure);
    }
    layer.node.appendChild(card);
    await Promise.all(waits);
    return { durationMs: turnMs(item), start() {} };
}

async function buildImage(item, layer) {
    const picture = mediaOf(item, ["image", "poster", "panel"]);
    if (!picture) {
        throw new Error("image item without media");
    }
    const figure = el("figure", "media");
    const img = el("img");
    img.alt = picture.alt || item.title;
    figure.appendChild(img);
    figure.appendChild(el("figcaption", "", item.title));
    layer.node.appendChild(figure);
    await loadImage(img, await sourceFor(picture.url, layer.owned));
    return { durationMs: turnMs(item), start() {} };
}

async function buildComic(item, layer) {
    const panels = (item.panels && item.panels.length)
        ? item.panels
        : (item.media || []).map((media, index) => ({ media: index, text: media.alt, duration: null }));
    const figures = [];
    const waits = [];
    for (const panel of panels) {
        const media = (item.media || [])[panel.media];
        if (!media) {
            continue;
        }
        const figure = el("figure", "media panel");
        const img = el("img");
        img.alt = media.alt || panel.text || item.title;
        figure.appendChild(img);
        figure.appendChild(el("figcaption", "", panel.text || item.title));
        layer.node.appendChild(figure);
        waits.push(sourceFor(media.url, layer.owned).then((src) => loadImage(img, src)));
        figures.push({ figure: figure, ms: panelMs(panel, item, panels.length) });
    }
    if (!figures.length) {
        throw new Error("comic without panels");
    }
    await Promise.all(waits);
    figures[0].figure.classList.add("is-current");
    return {
        durationMs: figures.reduce((sum, entry) => sum + entry.ms, 0),
        start(done, timers) {
            let at = 0;
            figures.forEach((entry, index) => {
                if (index > 0) {
                    timers.push(setTimeout(() => {
                        figures[index - 1].figure.classList.remove("is-current");
                        entry.figure.classList.add("is-current");
                        body.dataset.panel = String(index);
                    }, at));
                }
                at += entry.ms;
            });
            body.dataset.panel = "0";
        },
    };
}

async function buildVideo(item, layer) {
    const clip = mediaOf(item, ["video"]);
    if (!clip) {
        throw new Error("video item without media");
    }
    const figure = el("figure", "media");
    const video = el("video");
    // Public screens play without sound; the captions carry the words.
    video.muted = true;
    video.defaultMuted = true;
    video.playsInline = true;
    video.preload = "auto";
    const poster = mediaOf(item, ["poster"]);
    if (poster) {
        video.poster = await sourceFor(poster.url, layer.owned);
    }
    const captions = mediaOf(item, ["captions"]);
    if (captions) {
        const track = el("track");
        track.kind = "captions";
        track.srclang = "zh";
        track.label = TEXT.captions;
        track.default = true;
        track.src = await sourceFor(captions.url, layer.owned);
        video.appendChild(track);
    }
    figure.appendChild(video);
    figure.appendChild(el("figcaption", "media__title", item.title));
    layer.node.appendChild(figure);
    const ready = waitFor(video, ["canplay"]);
    video.src = await sourceFor(clip.url, layer.owned);
    await ready;
    return {
        durationMs: null,
        start(done, timers) {
            if (video.textTracks.length) {
                video.textTracks[0].mode = "showing";
            }
            video.addEventListener("ended", () => done("ended"));
            video.addEventListener("error", () => done("failed"));
            const stalled = stallWatch(Date.now());
            timers.push(setInterval(() => {
                if (stalled(video.currentTime, Date.now())) {
                    done("stalled");
                }
            }, 500));
            timers.push(setTimeout(() => done("overrun"), overrunMs(item, video.duration)));
            video.play().catch(() => done("failed"));
        },
    };
}

export const builders = { card: buildCard, image: buildImage, comic: buildComic, video: buildVideo };
