// Lodestar page behaviour: tidy HTMX filter URLs and draw charts from data attributes.
document.addEventListener("htmx:configRequest", (event) => {
  // Leave empty filters out of the request (and so out of the pushed URL).
  if (event.detail.verb !== "get") return;
  const params = event.detail.parameters;
  for (const key of Array.from(params.keys ? params.keys() : Object.keys(params))) {
    if (params.get ? params.get(key) === "" : params[key] === "") {
      params.delete ? params.delete(key) : delete params[key];
    }
  }
});

function drawCharts() {
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart='arr']").forEach((el) => {
    const chart = echarts.init(el);
    chart.setOption({
      grid: { left: 60, right: 16, top: 28, bottom: 24 },
      title: { text: el.dataset.title, textStyle: { fontSize: 13, fontWeight: 500 } },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: JSON.parse(el.dataset.points) },
      yAxis: { type: "value" },
      series: [{ type: "bar", data: JSON.parse(el.dataset.values), itemStyle: { color: "#066fd1" }, barMaxWidth: 40 }],
    });
    window.addEventListener("resize", () => chart.resize());
  });
}
document.addEventListener("DOMContentLoaded", drawCharts);
