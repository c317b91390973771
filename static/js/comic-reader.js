/* Comic reader: turns the stacked panels of a comic page into a panel-by-panel reader.
   Progressive enhancement: without this script every panel (picture and dialogue) is shown in
   order, so nothing is lost. With it: buttons, arrow keys, Home/End and swipes move between
   panels, and a polite live region says which panel is shown. */
(function () {
    "use strict";

    function setUp(reader) {
        var list = reader.querySelector(".comic__panels");
        var panels = Array.prototype.slice.call(reader.querySelectorAll(".comic__panel"));
        if (!list || panels.length < 2) {
            return;
        }
        var labels = {
            previous: reader.getAttribute("data-label-previous") || "Previous",
            next: reader.getAttribute("data-label-next") || "Next",
            status: reader.getAttribute("data-label-status") || "{n} / {total}",
            hint: reader.getAttribute("data-label-hint") || ""
        };
        var current = 0;

        var controls = document.createElement("div");
        controls.className = "comic__controls";
        var previous = document.createElement("button");
        previous.type = "button";
        previous.className = "button comic__previous";
        previous.textContent = labels.previous;
        var status = document.createElement("p");
        status.className = "comic__status";
        status.setAttribute("aria-live", "polite");
        var next = document.createElement("button");
        next.type = "button";
        next.className = "button comic__next";
        next.textContent = labels.next;
        controls.appendChild(previous);
        controls.appendChild(status);
        controls.appendChild(next);
        reader.appendChild(controls);

        // The panel list takes focus so arrow keys work as soon as a reader tabs to it.
        list.setAttribute("tabindex", "0");
        list.setAttribute("aria-describedby", "comic-keys-hint");
        var hint = document.createElement("p");
        hint.id = "comic-keys-hint";
        hint.className = "visually-hidden";
        hint.textContent = labels.hint;
        reader.appendChild(hint);
        reader.classList.add("comic--paged");

        function show(index) {
            current = Math.max(0, Math.min(panels.length - 1, index));
            panels.forEach(function (panel, position) {
                panel.hidden = position !== current;
            });
            // aria-disabled rather than disabled: a disabled button drops keyboard focus, and a
            // reader who pressed "next" onto the last panel would lose their place.
            previous.setAttribute("aria-disabled", String(current === 0));
            next.setAttribute("aria-disabled", String(current === panels.length - 1));
            var text = labels.status
                .replace("{n}", String(current + 1))
                .replace("{total}", String(panels.length));
            status.textContent = text;
            reader.setAttribute("data-current", String(current + 1));
        }

        previous.addEventListener("click", function () { show(current - 1); });
        next.addEventListener("click", function () { show(current + 1); });

        reader.addEventListener("keydown", function (event) {
            var target = event.target;
            if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) {
                return;
            }
            var moves = { ArrowRight: 1, ArrowDown: 1, PageDown: 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1 };
            if (event.key in moves) {
                show(current + moves[event.key]);
                event.preventDefault();
            } else if (event.key === "Home") {
                show(0);
                event.preventDefault();
            } else if (event.key === "End") {
                show(panels.length - 1);
                event.preventDefault();
            }
        });

        // Swipe: a mostly horizontal stroke of at least 40 px moves one panel.
        var startX = null;
        var startY = null;
        list.addEventListener("pointerdown", function (event) {
            startX = event.clientX;
            startY = event.clientY;
        });
        list.addEventListener("pointerup", function (event) {
            if (startX === null) {
                return;
            }
            var dx = event.clientX - startX;
            var dy = event.clientY - startY;
            startX = null;
            if (Math.abs(dx) >= 40 && Math.abs(dx) > Math.abs(dy)) {
                show(current + (dx < 0 ? 1 : -1));
            }
        });
        list.addEventListener("pointercancel", function () { startX = null; });

        var fromHash = /^#panel-(\d+)$/.exec(window.location.hash);
        show(fromHash ? parseInt(fromHash[1], 10) - 1 : 0);
    }

    function init() {
        Array.prototype.forEach.call(document.querySelectorAll("[data-comic-reader]"), setUp);
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
