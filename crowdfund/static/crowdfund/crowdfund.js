// Live crowdfund figures: the page may be served from a cache, so fetch the current
// totals from the uncached JSON endpoint and refresh them every five seconds.
// Progressive enhancement only: without JavaScript the server-rendered figures stand.
(function () {
  "use strict";
  var section = document.querySelector("[data-totals-url]");
  if (!section || !window.fetch) { return; }
  var url = section.getAttribute("data-totals-url");

  function set(field, text) {
    var el = section.querySelector('[data-field="' + field + '"]');
    if (el) { el.textContent = text; }
  }

  function refresh() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        set("total_display", data.total_display);
        set("donors_display", data.donors_display);
        set("percent_text", data.percent + "%");
        var bar = section.querySelector("progress[data-field='percent']");
        if (bar) { bar.value = data.percent; bar.textContent = data.percent + "%"; }
      })
      .catch(function () { /* keep the figures already shown */ });
  }

  refresh();
  // Every 5 seconds while the tab is visible: fresh within a few seconds of a payment.
  window.setInterval(function () {
    if (!document.hidden) { refresh(); }
  }, 5000);
})();
