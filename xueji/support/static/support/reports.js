// 服务统计: draws each report's chart with ECharts from the JSON the page carries (no inline script: CSP).
(function () {
  "use strict";
  function draw(box) {
    var data = JSON.parse(document.getElementById(box.dataset.chart).textContent);
    box.style.height = Math.max(180, 60 + 28 * Number(box.dataset.rows || 1)) + "px";
    var chart = window.echarts.init(box);
    chart.setOption({
      tooltip: {trigger: "axis"},
      legend: {top: 0},
      grid: {left: 8, right: 16, bottom: 8, top: 32, containLabel: true},
      xAxis: {type: "value", max: data.max || null},
      yAxis: {type: "category", data: data.categories, inverse: true},
      series: data.series.map(function (s) {
        return {name: s.name, type: "bar", stack: data.stack ? "total" : null, data: s.data};
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
