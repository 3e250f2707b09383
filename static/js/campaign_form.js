// Campaign form: add/remove business-hour windows and holidays (Django formsets), copy Monday to the
// other weekdays, and generate a lead API key. Removing a saved row ticks its DELETE box, so the
// server sees every row the page was given.
(function () {
  "use strict";

  function totalInput(prefix) {
    return document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  }

  function newRow(prefix, templateId) {
    const total = totalInput(prefix);
    const index = parseInt(total.value, 10);
    const html = document.getElementById(templateId).innerHTML.replace(/__prefix__/g, String(index));
    total.value = String(index + 1);
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    return holder.firstElementChild;
  }

  function refreshClosedLabels() {
    document.querySelectorAll(".hours-day").forEach(function (day) {
      const open = day.querySelectorAll(".hours-window:not(.d-none)").length > 0;
      day.querySelector(".closed-label").classList.toggle("d-none", open);
    });
  }

  function addWindow(weekday, start, end) {
    const day = document.querySelector('.hours-day[data-weekday="' + weekday + '"]');
    const row = newRow("hours", "hours-empty-row");
    row.querySelector('input[name$="-weekday"]').value = String(weekday);
    const inputs = row.querySelectorAll("input[data-hhmm]");
    inputs[0].value = start || "";
    inputs[1].value = end || "";
    const dayName = day.dataset.dayName;
    inputs[0].setAttribute("aria-label", dayName + " window from");
    inputs[1].setAttribute("aria-label", dayName + " window until");
    day.insertBefore(row, day.querySelector(".closed-label"));
    refreshClosedLabels();
    return inputs[0];
  }

  function removeRow(button) {
    const row = button.closest(".hours-window, .holiday-row");
    const box = row.querySelector('input[name$="-DELETE"]');
    if (box) box.checked = true;
    row.classList.add("d-none");
    refreshClosedLabels();
  }

  function liveWindows(weekday) {
    const day = document.querySelector('.hours-day[data-weekday="' + weekday + '"]');
    return Array.from(day.querySelectorAll(".hours-window:not(.d-none)"));
  }

  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-window]");
    if (add) {
      const weekday = add.dataset.addWindow;
      const existing = liveWindows(weekday);
      // A second window usually follows the first: suggest the afternoon after a morning.
      const focus = existing.length ? addWindow(weekday, "", "") : addWindow(weekday, "09:00", "17:00");
      focus.focus();
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      removeRow(remove);
      return;
    }
    if (event.target.closest("[data-copy-monday]")) {
      const monday = liveWindows(0).map(function (row) {
        const inputs = row.querySelectorAll("input[data-hhmm]");
        return [inputs[0].value, inputs[1].value];
      });
      for (let weekday = 1; weekday <= 4; weekday++) {
        liveWindows(weekday).forEach(function (row) {
          removeRow(row.querySelector("[data-remove-row]"));
        });
        monday.forEach(function (pair) {
          addWindow(weekday, pair[0], pair[1]);
        });
      }
      return;
    }
    if (event.target.closest("[data-add-holiday]")) {
      const row = newRow("holidays", "holidays-empty-row");
      document.querySelector("#holidays-editor .holiday-rows").appendChild(row);
      row.querySelector('input[type="date"]').focus();
      return;
    }
    const generate = event.target.closest("[data-generate-key]");
    if (generate) {
      const bytes = new Uint8Array(24);
      window.crypto.getRandomValues(bytes);
      const key = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      const input = document.getElementById(generate.dataset.generateKey);
      // The stored key is never sent to the page; a new one is shown this once, to be copied before saving.
      input.type = "text";
      input.value = key;
    }
  });

  refreshClosedLabels();
})();
