// Draws the dashboard's charts from the JSON the page embeds (#report-data).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("report-data");
    if (!source || typeof Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var blue = "#1f5fbf", green = "#2e9d57", orange = "#d9822b", grey = "#9aa3b2";
    // A fresh options object per chart: Chart.js keeps and resolves the one it gets.
    function options(extra) {
      return Object.assign({ responsive: true, animation: false, maintainAspectRatio: true }, extra || {});
    }

    function chart(id, config) {
      var canvas = document.getElementById(id);
      if (canvas) new Chart(canvas, config);
    }
    chart("chart-trend", {
      data: {
        labels: data.trend.labels,
        datasets: [
          { type: "bar", label: data.labels.created, data: data.trend.created, backgroundColor: blue },
          { type: "bar", label: data.labels.resolved, data: data.trend.resolved, backgroundColor: green },
          { type: "line", label: data.labels.backlog, data: data.trend.backlog, borderColor: orange, backgroundColor: orange, yAxisID: "y" }
        ]
      },
      options: options()
    });
    chart("chart-hours", {
      type: "bar",
      data: { labels: data.hours.labels, datasets: [{ label: data.labels.created, data: data.hours.values, backgroundColor: blue }] },
      options: options()
    });
    chart("chart-weekdays", {
      type: "bar",
      data: { labels: data.weekdays.labels, datasets: [{ label: data.labels.created, data: data.weekdays.values, backgroundColor: blue }] },
      options: options()
    });
    chart("chart-agents", {
      type: "bar",
      data: {
        labels: data.agents.labels,
        datasets: [
          { label: data.labels.created, data: data.agents.created, backgroundColor: blue },
          { label: data.labels.open_load, data: data.agents.open_load, backgroundColor: grey }
        ]
      },
      options: options({ indexAxis: "y" })
    });
    if (data.csat) {
      chart("chart-csat", {
        type: "bar",
        data: { labels: data.csat.labels, datasets: [{ label: data.labels.ratings, data: data.csat.values, backgroundColor: green }] },
        options: options()
      });
    }
    document.body.dataset.chartsReady = "1";
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
