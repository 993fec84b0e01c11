// The dashboard's charts (ECharts, served from node_modules by Django's static files; no CDN). The data comes from
// the page's json_script block (CSP: no inline script); each chart draws the table printed beside it.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const locale = document.documentElement.lang && document.documentElement.lang.startsWith("zh") ? "ZH" : "EN";
  data.forEach(function (chart) {
    const el = document.getElementById("chart-" + chart.key);
    if (!el || !window.echarts) { return; }
    const instance = window.echarts.init(el, null, { locale: locale, renderer: "canvas" });
    const labels = chart.rows.map(function (r) { return String(r[0]); });
    let option;
    if (chart.kind === "pie") {
      option = {
        tooltip: { trigger: "item" }, legend: { bottom: 0 },
        series: [{ type: "pie", radius: ["35%", "65%"],
                   data: chart.rows.map(function (r) { return { name: String(r[0]), value: r[1] }; }) }]
      };
    } else {
      const numeric = chart.kind === "stack" ? chart.columns.slice(1) : chart.columns.slice(1, chart.key === "waiting" ? 2 : undefined);
      option = {
        tooltip: { trigger: "axis" }, legend: numeric.length > 1 ? { bottom: 0 } : undefined,
        grid: { left: 48, right: 16, top: 16, bottom: numeric.length > 1 ? 56 : 32, containLabel: true },
        xAxis: { type: "category", data: labels, axisLabel: { interval: 0, rotate: labels.length > 6 ? 30 : 0 } },
        yAxis: { type: "value" },
        series: numeric.map(function (name, i) {
          return { name: name, type: "bar", stack: chart.kind === "stack" ? "all" : undefined,
                   data: chart.rows.map(function (r) { return r[i + 1]; }) };
        })
      };
    }
    instance.setOption(option);
    window.addEventListener("resize", function () { instance.resize(); });
  });
})();
