// Fills the search box's <datalist> with page titles as the visitor types. The search works
// without this: it only adds suggestions, using the browser's own accessible list.
(function () {
  "use strict";
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-suggestions");
  if (!input || !list || !window.fetch) {
    return;
  }
  var timer = null;
  var latest = 0;

  function show(suggestions) {
    list.textContent = "";
    suggestions.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.title;
      list.appendChild(option);
    });
  }

  function load() {
    var query = input.value.trim();
    if (!query) {
      show([]);
      return;
    }
    var ticket = ++latest;
    var url = input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(query);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (data) {
        if (ticket === latest) {
          show(data.suggestions || []);
        }
      })
      .catch(function () {
        show([]);
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 200);
  });
})();
