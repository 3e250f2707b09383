// Attempt rule editor (a Django formset): add a rule, add a preset as a filled-in rule, remove a rule.
// Removing a saved rule ticks its DELETE box, so the server sees every row the page was given.
(function () {
  "use strict";

  function editor() {
    return document.getElementById("rules-editor");
  }

  function newRuleRow() {
    const box = editor();
    const prefix = box.dataset.prefix;
    const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    const index = parseInt(total.value, 10);
    const html = document.getElementById("rules-empty-row").innerHTML.replace(/__prefix__/g, String(index));
    total.value = String(index + 1);
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    box.querySelector(".rule-rows").appendChild(row);
    box.querySelector(".no-rules").classList.add("d-none");
    return row;
  }

  function setField(row, name, value) {
    const input = row.querySelector('[name$="-' + name + '"]');
    if (input) input.value = value;
  }

  document.addEventListener("click", function (event) {
    if (!editor()) return;
    if (event.target.closest("[data-add-rule]")) {
      const row = newRuleRow();
      setField(row, "max_attempts", "3");
      setField(row, "within_amount", "1");
      row.querySelector('[name$="-name"]').focus();
      return;
    }
    const preset = event.target.closest("[data-add-preset]");
    if (preset) {
      const row = newRuleRow();
      const data = preset.dataset;
      setField(row, "name", data.name);
      setField(row, "max_attempts", data.maxAttempts);
      setField(row, "within_amount", data.withinAmount);
      setField(row, "within_unit", data.withinUnit);
      setField(row, "count", data.count);
      setField(row, "scope", data.scope);
      return;
    }
    const remove = event.target.closest("[data-remove-rule]");
    if (remove) {
      const row = remove.closest(".attempt-rule-row");
      const box = row.querySelector('input[name$="-DELETE"]');
      if (box) box.checked = true;
      row.classList.add("d-none");
    }
  });
})();
