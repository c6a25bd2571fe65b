// Page charts and controls, moved out of the templates so the Content-Security-Policy allows no inline script.

// accounts/detail.html
document.addEventListener("DOMContentLoaded", () => {
  const el = document.querySelector("[data-chart='health']");
  if (!el || !window.echarts) return;
  const chart = echarts.init(el);
  // The bands are the grade boundaries of the model that judged the account (data-yellow, data-green).
  const yellow = Number(el.dataset.yellow), green = Number(el.dataset.green);
  chart.setOption({
    grid: { left: 36, right: 12, top: 12, bottom: 24 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: JSON.parse(el.dataset.dates) },
    yAxis: { type: "value", min: 0, max: 100 },
    visualMap: { show: false, pieces: [{ lt: yellow, color: "#d63939" }, { gte: yellow, lt: green, color: "#f59f00" },
      { gte: green, color: "#2fb344" }] },
    series: [{ type: "line", data: JSON.parse(el.dataset.scores), connectNulls: false, showSymbol: true,
      markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { type: "dashed", color: "#adb5bd" },
        data: [{ yAxis: yellow }, { yAxis: green }] } }],
  });
  el.dataset.bands = yellow + "," + green;
  el.dataset.ready = "1";
  window.addEventListener("resize", () => chart.resize());
});

// events/ingestion_status.html
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("events-chart");
  if (!el || !window.echarts) { return; }
  var data = JSON.parse(document.getElementById("events-chart-data").textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: {trigger: "axis"},
    legend: {top: 0},
    grid: {left: 50, right: 20, top: 36, bottom: 30},
    xAxis: {type: "category", data: data.hours},
    yAxis: {type: "value", minInterval: 1},
    series: data.series.map(function (s) { return {name: s.name, type: "bar", stack: "all", data: s.data}; })
  });
  window.addEventListener("resize", function () { chart.resize(); });
});

// health/backtest.html
document.addEventListener("DOMContentLoaded", () => {
  const el = document.querySelector("[data-chart='backtest']");
  if (!el || !window.echarts) return;
  const data = JSON.parse(el.dataset.chartData);
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 40, right: 16, top: 28, bottom: 24 },
    legend: { top: 0 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.dates },
    yAxis: { type: "value", min: 0.5, max: 1, name: "AUC" },
    series: data.series.map((s) => ({ name: s.name, type: "line", data: s.data, showSymbol: true })),
  });
  el.dataset.ready = "1";
});

// sop/dashboard.html
// Draws the trend and shape charts from their data attributes, also inside fragments HTMX loads later.
function drawSopCharts(root) {
  if (!window.echarts) return;
  root.querySelectorAll("[data-chart='sop-trend']:not([data-ready])").forEach((el) => {
    const chart = echarts.init(el);
    const series = JSON.parse(el.dataset.series);
    const periods = JSON.parse(el.dataset.periods);
    // The period still running (data-partial) is not a full point: the solid line stops before it and a
    // dashed, hollow-marked segment in the same colour leads to it.
    const last = el.dataset.partial ? periods.length - 1 : -1;
    const palette = ["#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"];
    const lines = [];
    series.forEach((s, i) => {
      const color = palette[i % palette.length];
      const full = last < 0 ? s.data : s.data.map((v, j) => (j === last ? null : v));
      lines.push({ type: "line", name: s.name, data: full, connectNulls: true, color });
      if (last > 0) {
        const tail = s.data.map((v, j) => (j >= last - 1 ? v : null));
        lines.push({ type: "line", name: s.name, data: tail, color, symbol: "emptyCircle",
                     lineStyle: { type: "dashed" }, tooltip: { show: false } });
      }
    });
    chart.setOption({
      grid: { left: 40, right: 16, top: 36, bottom: 24 },
      legend: { type: "scroll", top: 0 },
      tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : v + "%") },
      xAxis: { type: "category", data: periods.map((p, j) => (j === last ? p + " *" : p)) },
      yAxis: { type: "value", min: 0, max: 100 },
      series: lines,
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  });
  root.querySelectorAll("[data-chart='sop-shape']:not([data-ready])").forEach((el) => {
    const chart = echarts.init(el);
    const series = JSON.parse(el.dataset.series);
    chart.setOption({
      grid: { left: 120, right: 16, top: 36, bottom: 24 },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: (v) => v + "%" },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: JSON.parse(el.dataset.labels), inverse: true },
      series: series.map((s) => ({ type: "bar", stack: "share", name: s.name, data: s.data, barMaxWidth: 24 })),
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  });
}
document.addEventListener("DOMContentLoaded", () => drawSopCharts(document));
document.addEventListener("htmx:afterSettle", (event) => drawSopCharts(event.target));

// sop/dashboard.html: the shape toggle marks the chosen button.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button[data-shape-by]");
  if (!button) return;
  button.parentNode.querySelectorAll("button").forEach((b) => {
    b.className = "btn " + (b === button ? "btn-primary" : "btn-outline-secondary");
  });
});

// accounts/detail.html: events per day and key-feature adoption (days since each key feature was last used).
document.addEventListener("DOMContentLoaded", () => {
  const el = document.querySelector("[data-chart='usage']");
  if (!el || !window.echarts) return;
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 44, right: 12, top: 28, bottom: 24 },
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    xAxis: { type: "category", data: JSON.parse(el.dataset.days) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", name: el.dataset.label, data: JSON.parse(el.dataset.events), barMaxWidth: 6 }],
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", () => chart.resize());
});

document.addEventListener("DOMContentLoaded", () => {
  const el = document.querySelector("[data-chart='adoption']");
  if (!el || !window.echarts) return;
  const names = JSON.parse(el.dataset.names), days = JSON.parse(el.dataset.daysSince);
  const within = Number(el.dataset.within);
  const chart = echarts.init(el);
  chart.setOption({
    grid: { left: 150, right: 24, top: 8, bottom: 24 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", name: el.dataset.unit, nameLocation: "end", minInterval: 1 },
    yAxis: { type: "category", data: names, inverse: true },
    series: [{ type: "bar", barMaxWidth: 16, data: days.map((d) => ({ value: d,
      itemStyle: { color: d !== null && d < within ? "#2fb344" : "#d63939" } })) }],
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", () => chart.resize());
});

// predictions/versions.html: each model's reliability curve, the diagonal being perfect calibration.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart='reliability']").forEach((el) => {
    const data = JSON.parse(el.dataset.chartData);
    const chart = echarts.init(el);
    const pairs = (ys) => data.predicted.map((x, i) => [x, ys[i]]);
    chart.setOption({
      grid: { left: 40, right: 16, top: 28, bottom: 28 },
      legend: { top: 0 },
      tooltip: { trigger: "item" },
      xAxis: { type: "value", min: 0, max: 1, name: el.dataset.labelPredicted, nameLocation: "middle", nameGap: 20 },
      yAxis: { type: "value", min: 0, max: 1 },
      series: [
        { type: "line", data: [[0, 0], [1, 1]], showSymbol: false, lineStyle: { type: "dashed", color: "#999" }, silent: true },
        { name: el.dataset.labelObserved, type: "line", data: pairs(data.observed), showSymbol: true },
        { type: "custom", silent: true, data: data.predicted.map((x, i) => [x, data.low[i], data.high[i]]),
          renderItem: (params, api) => {
            const low = api.coord([api.value(0), api.value(1)]);
            const high = api.coord([api.value(0), api.value(2)]);
            return { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: { stroke: "#888" } };
          } },
      ],
    });
    el.dataset.ready = "1";
  });
});
