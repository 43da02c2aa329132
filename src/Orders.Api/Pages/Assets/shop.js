// The shop's only script. Everything works without it: the license key is selectable text and
// "Check again" is a link. With it: a copy button, and a pending order that asks the status API
// politely (every 5 s for 15 minutes, announced in a live region, pausable) instead of reloading.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy key"; }, 2000);
      });
    });
  });

  var watch = document.querySelector("[data-status-api]");
  if (!watch || !window.fetch) { return; }
  var live = document.getElementById("status-live");
  var pause = document.getElementById("status-pause");
  var until = Date.now() + 15 * 60 * 1000;
  var paused = false;
  var timer = null;
  function say(text) { if (live) { live.textContent = text; } }
  function schedule() { if (!paused && Date.now() < until) { timer = setTimeout(ask, 5000); } else if (!paused) { say("Still waiting. Use Check again to ask once more."); } }
  function ask() {
    fetch(watch.getAttribute("data-status-api"), { headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (order) {
        if (order && order.status && order.status !== "pending") {
          say("Your order is now " + order.status + ". " + (order.summary || "") + " Use Check again to see the details.");
          if (pause) { pause.hidden = true; }
          return;
        }
        schedule();
      }, schedule);
  }
  if (pause) {
    pause.hidden = false;
    pause.addEventListener("click", function () {
      paused = !paused;
      pause.textContent = paused ? "Resume updates" : "Pause updates";
      if (paused) { clearTimeout(timer); say("Updates paused."); } else { say("Checking for updates."); ask(); }
    });
  }
  say("We check for updates every few seconds.");
  schedule();
}());
