// Import progress: poll the job's JSON status every second, move the bar, and reload the page when the
// job is finished so the server renders the error report.
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "true") return;
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector(".progress");
  const number = new Intl.NumberFormat("en-GB");

  function show(status) {
    bar.style.width = status.percent + "%";
    bar.textContent = status.percent + "%";
    meter.setAttribute("aria-valuenow", String(status.percent));
    // Contact imports count listed_rows, do-not-call imports already_listed: each page shows its own.
    ["processed_rows", "imported_rows", "listed_rows", "already_listed", "error_count"].forEach(function (key) {
      const field = box.querySelector('[data-field="' + key + '"]');
      if (field && status[key] !== undefined) field.textContent = number.format(status[key]);
    });
    // The finished page shows the message once, in its result box; only a running page has this span.
    const message = box.querySelector('[data-field="message"]');
    if (status.message && message) message.textContent = status.message;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          bar.classList.remove("progress-bar-animated", "progress-bar-striped");
          window.setTimeout(function () { window.location.reload(); }, 400);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        // A network blip or a restarting server: keep trying, a little slower.
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 500);
})();
