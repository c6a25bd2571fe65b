// renewals/retention/dashboard.html: the retention trend, the ARR bridge (waterfall) and NRR by signing quarter.
document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const draw = (name, option) => {
    const el = document.querySelector(`[data-chart='${name}']`);
    if (!el) return;
    const chart = echarts.init(el);
    chart.setOption(option(JSON.parse(el.dataset.chartData)));
    el.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  };
  draw("retention-trend", (data) => ({
    grid: { left: 44, right: 16, top: 36, bottom: 24 },
    legend: { top: 0 },
    tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : v + "%") },
    xAxis: { type: "category", data: data.periods },
    yAxis: { type: "value", scale: true },
    series: data.series.map((s) => ({ type: "line", name: s.name, data: s.data, connectNulls: false, showSymbol: true })),
  }));
  draw("retention-waterfall", (data) => {
    // Start and end stand on the axis; expansion rises from the start, contraction and churn fall after it.
    const v = data.values, base = [0, v[0], v[0] + v[1] - v[2], v[0] + v[1] - v[2] - v[3], 0];
    const bars = [v[0], v[1], v[2], v[3], v[4]];
    const colours = ["#206bc4", "#2fb344", "#f59f00", "#d63939", "#206bc4"];
    return {
      grid: { left: 70, right: 16, top: 16, bottom: 24 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: (p) => p[1].name + ": " + bars[p[1].dataIndex].toLocaleString() },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value" },
      series: [
        { type: "bar", stack: "w", data: base, itemStyle: { color: "transparent" }, silent: true },
        { type: "bar", stack: "w", data: bars.map((b, i) => ({ value: b, itemStyle: { color: colours[i] } })),
          label: { show: true, position: "top", formatter: (p) => Math.round(p.value).toLocaleString() } },
      ],
    };
  });
  draw("retention-heatmap", (data) => {
    const cells = [], values = [];
    data.nrr.forEach((row, y) => row.forEach((v, x) => { if (v !== null) { cells.push([x, y, v]); values.push(v); } }));
    return {
      grid: { left: 70, right: 16, top: 8, bottom: 60 },
      tooltip: { formatter: (p) => data.cohorts[p.value[1]] + " · " + data.periods[p.value[0]] + ": " + p.value[2] + "%" },
      xAxis: { type: "category", data: data.periods, splitArea: { show: true } },
      yAxis: { type: "category", data: data.cohorts, splitArea: { show: true } },
      visualMap: { min: Math.min(50, ...values), max: Math.max(120, ...values), calculable: true, orient: "horizontal",
        left: "center", bottom: 0, inRange: { color: ["#d63939", "#f59f00", "#f8f9fa", "#2fb344"] } },
      series: [{ type: "heatmap", data: cells, label: { show: cells.length <= 200, formatter: (p) => Math.round(p.value[2]) } }],
    };
  });
});
