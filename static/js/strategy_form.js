// Strategy form: show the parts of the chosen type, add and remove formset rows, number ladder steps.
// The preview pane listens for "change" on the form (htmx), so every action here ends by firing one.
(function () {
  "use strict";
  const form = document.getElementById("strategy-form");
  if (!form) return;
  const kindSelect = form.querySelector("select[name=kind]");

  function notifyChange() {
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function showKind() {
    const kind = kindSelect ? kindSelect.value : "";
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      el.hidden = !el.dataset.kinds.split(" ").includes(kind);
    });
  }

  function numberSteps() {
    let n = 0;
    form.querySelectorAll('[data-formset-body="steps"] [data-formset-row]').forEach(function (row) {
      if (row.hidden) return;
      n += 1;
      const label = row.querySelector("[data-step-number]");
      if (label) label.textContent = String(n);
    });
  }

  function addRow(prefix) {
    const total = form.querySelector("#id_" + prefix + "-TOTAL_FORMS");
    const template = document.getElementById(prefix + "-empty");
    const body = form.querySelector('[data-formset-body="' + prefix + '"]');
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    showKind();
    numberSteps();
    const added = body.lastElementChild;
    const first = added && added.querySelector("select:not([hidden]), input:not([type=hidden])");
    if (first) first.focus();
    notifyChange();
  }

  // A removed row stays in the form with DELETE ticked, so the formset's numbering stays intact.
  function removeRow(row) {
    const del = row.querySelector("input[name$='-DELETE']");
    if (del) del.checked = true;
    row.hidden = true;
    numberSteps();
    notifyChange();
  }

  form.addEventListener("click", function (event) {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      addRow(add.dataset.addRow);
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) removeRow(remove.closest("[data-formset-row]"));
  });
  if (kindSelect) kindSelect.addEventListener("change", showKind);

  // Rows removed before a failed submit come back ticked: keep them hidden.
  form.querySelectorAll("[data-formset-row]").forEach(function (row) {
    const del = row.querySelector("input[name$='-DELETE']");
    if (del && del.checked) row.hidden = true;
  });
  showKind();
  numberSteps();
})();
