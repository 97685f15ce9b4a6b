// The progress view's figures, refreshed every two seconds until the send has finished.
// Without JavaScript the Refresh link does the same.
(function () {
  "use strict";
  var root = document.querySelector("[data-newsletter-progress]");
  if (!root) return;
  var url = root.getAttribute("data-newsletter-progress");
  function update() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (figures) {
        if (!figures) return;
        root.querySelectorAll("[data-figure]").forEach(function (cell) {
          var name = cell.getAttribute("data-figure");
          if (name in figures) cell.textContent = figures[name];
        });
        if (figures.finished) {
          root.querySelector("[data-figure-note]").textContent = "Finished.";
        } else {
          window.setTimeout(update, 2000);
        }
      })
      .catch(function () { window.setTimeout(update, 10000); });
  }
  window.setTimeout(update, 2000);
})();
