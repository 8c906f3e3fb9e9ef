/*
 * The insights dashboard's charts, drawn with Chart.js (vendor/chart.umd.min.js, 4.6.1) from the
 * table each chart names: the table is what a screen reader reads and what the CSV holds; the
 * chart is a picture of it, with the table's caption as its accessible name.
 */
(function () {
  "use strict";
  var COLOURS = ["#1b7f3b", "#7fb88f", "#b3261e", "#6b6b6b"];

  function number(text) {
    var value = parseFloat(String(text).replace("%", ""));
    return isNaN(value) ? null : value;
  }

  function draw(holder) {
    var table = document.getElementById(holder.getAttribute("data-for"));
    if (!table || typeof Chart === "undefined") return;
    var labels = Array.prototype.slice.call(table.tHead.rows[0].cells, 1).map(function (c) { return c.textContent; });
    var series = Array.prototype.map.call(table.tBodies[0].rows, function (row, i) {
      return {
        label: row.cells[0].textContent,
        data: Array.prototype.slice.call(row.cells, 1).map(function (c) { return number(c.textContent); }),
        backgroundColor: COLOURS[i % COLOURS.length],
        borderColor: COLOURS[i % COLOURS.length],
      };
    });
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", holder.getAttribute("data-label") + ": the figures are in the table below");
    holder.appendChild(canvas);
    var stacked = holder.getAttribute("data-kind") === "stacked";
    new Chart(canvas, {
      type: stacked ? "bar" : "line",
      data: { labels: labels, datasets: series },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: stacked
          ? { x: { stacked: true }, y: { stacked: true, beginAtZero: true } }
          : { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
      },
    });
    holder.setAttribute("data-drawn", "true");
  }

  Array.prototype.forEach.call(document.querySelectorAll(".chart[data-for]"), draw);
})();
