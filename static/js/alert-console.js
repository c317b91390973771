// The operator console refreshes its figures and screen table every few seconds while the alert
// is active, in place: focus, scroll position and the pause button stay where they are, and the
// figures' live region announces only what changed. Without this script the page still works;
// reloading it shows the same figures.
(function () {
  "use strict";
  var section = document.querySelector("[data-alert-console][data-refresh-seconds]");
  if (!section || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = parseInt(section.getAttribute("data-refresh-seconds"), 10) || 5;
  var pause = section.querySelector("[data-console-pause]");
  var paused = false;
  var timer = null;

  function copy(fresh, selector) {
    var from = fresh.querySelectorAll(selector);
    var to = section.querySelectorAll(selector);
    if (from.length !== to.length) {
      return;
    }
    to.forEach(function (element, index) {
      if (element.innerHTML !== from[index].innerHTML) {
        element.innerHTML = from[index].innerHTML;
      }
    });
  }

  function stop() {
    window.clearInterval(timer);
    timer = null;
  }

  function refresh() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) {
          return;
        }
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-alert-console]");
        if (!fresh) {
          return;
        }
        copy(fresh, "[data-figure]");
        copy(fresh, "time");
        copy(fresh, "tbody");
        if (!fresh.hasAttribute("data-refresh-seconds")) {
          // The alert ended: its figures are final.
          stop();
          if (pause) {
            pause.hidden = true;
          }
        }
      })
      .catch(function () {
        // A failed refresh is tried again at the next tick.
      });
  }

  function start() {
    timer = window.setInterval(refresh, seconds * 1000);
  }

  if (pause) {
    pause.addEventListener("click", function () {
      paused = !paused;
      pause.setAttribute("aria-pressed", paused ? "true" : "false");
      if (paused) {
        stop();
      } else {
        refresh();
        start();
      }
    });
  }
  start();
})();
