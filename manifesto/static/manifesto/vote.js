// Progressive enhancement for the vote forms: post with fetch and update the counts in place.
// Without JavaScript the same forms post normally and the page reloads.
(function () {
  "use strict";
  function onSubmit(event) {
    var form = event.target.closest("form.vote-form");
    if (!form || !window.fetch) { return; }
    var button = event.submitter;
    if (!button || button.name !== "choice") { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.set("choice", button.value);
    var status = form.querySelector(".vote-status");
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok || !result.body.ok) {
        status.textContent = (result.body && result.body.error) || "Your vote could not be saved.";
        status.classList.add("vote-error");
        return;
      }
      var counts = document.querySelectorAll('[data-counts-for="' + form.dataset.amendment + '"]');
      counts.forEach(function (line) {
        Object.keys(result.body.counts).forEach(function (key) {
          var cell = line.querySelector('[data-count="' + key + '"]');
          if (cell) { cell.textContent = result.body.counts[key]; }
        });
      });
      form.querySelectorAll("button[name=choice]").forEach(function (other) {
        var chosen = other.value === result.body.choice;
        other.classList.toggle("chosen", chosen);
        other.setAttribute("aria-pressed", chosen ? "true" : "false");
      });
      var mine = form.querySelector(".my-vote");
      if (mine) { mine.textContent = ": you chose " + result.body.choice; }
      status.classList.remove("vote-error");
      status.textContent = "Vote saved: " + result.body.choice + ".";
    }).catch(function () {
      status.textContent = "Your vote could not be sent. Check your connection and try again.";
      status.classList.add("vote-error");
    });
  }
  document.addEventListener("submit", onSubmit);
})();
