// Campaign dashboard charts (Chart.js, vendored). The same numbers are in the tables under each chart.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const palette = ["#0d6efd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997", "#fd7e14", "#6c757d", "#0dcaf0", "#d63384"];

  function bar(id, series, options) {
    const canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: series.labels,
        datasets: [{
          data: series.values,
          backgroundColor: options.colors || series.labels.map(function (_, i) { return palette[i % palette.length]; }),
        }],
      },
      options: {
        indexAxis: options.horizontal ? "y" : "x",
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  bar("chart-status", data.status, {});
  bar("chart-due", data.due, { colors: "#0d6efd" });
  bar("chart-today", data.today, { horizontal: true });
  bar("chart-overall", data.overall, { horizontal: true });
})();
