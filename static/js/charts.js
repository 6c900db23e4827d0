// Statistics charts (ECharts), shared by the dashboard and the statistics page.
window.GovGridCharts = (function () {
  "use strict";
  function chart(charts, theme, id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    if (!charts[id]) charts[id] = echarts.init(node, theme, { renderer: "canvas" });
    option.title = { text: node.dataset.title, left: 6, top: 2, textStyle: { fontSize: 13 } };
    option.backgroundColor = "transparent";
    option.grid = Object.assign({ left: 40, right: 12, top: 34, bottom: 24, containLabel: true }, option.grid || {});
    var empty = option.empty;  // a message to show instead of an empty chart
    delete option.empty;
    if (empty) option.graphic = { type: "text", left: "center", top: "middle", style: { text: empty, fill: "#9fb3c8" } };
    charts[id].setOption(option, true);
  }

  function render(s, L10N, charts, theme) {
    function c(id, option) { chart(charts, theme, id, option); }
    c("chart-trend", {
      tooltip: { trigger: "axis" }, legend: { top: 20, right: 4, itemWidth: 14, textStyle: { fontSize: 10 } }, grid: { top: 44 },
      xAxis: { type: "category", data: s.trend.map(function (d) { return d.day.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: L10N.reported, type: "line", smooth: 0.3, smoothMonotone: "x", data: s.trend.map(function (d) { return d.reported; }) },
               { name: L10N.closed, type: "line", smooth: 0.3, smoothMonotone: "x", data: s.trend.map(function (d) { return d.closed; }) }]
    });
    c("chart-categories", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["28%", "52%"], center: ["50%", "58%"], minShowLabelAngle: 10,
                 label: { fontSize: 10, width: 56, overflow: "truncate", alignTo: "edge", edgeDistance: 4 },
                 labelLine: { length: 6, length2: 0 },
                 labelLayout: { hideOverlap: true },
                 data: s.categories.map(function (cat) { return { name: cat.name, value: cat.count }; }) }]
    });
    var max = s.heat.reduce(function (m, r) { return Math.max(m, r[2]); }, 1);
    c("chart-heat", {
      tooltip: { position: "top" }, grid: { bottom: 40 },
      xAxis: { type: "category", data: Array.from({ length: 24 }, function (_, h) { return h; }), splitArea: { show: true } },
      yAxis: { type: "category", data: L10N.weekdays, splitArea: { show: true } },
      visualMap: { min: 0, max: max, show: false, inRange: { color: [theme === "dark" ? "#12263a" : "#eef2f6", "#f9a825", "#d32f2f"] } },
      series: [{ type: "heatmap", data: s.heat.map(function (r) { return [r[1], r[0] - 1, r[2]]; }) }]
    });
    function ranking(id, rows) {
      var top = rows.slice(0, 10).reverse();
      c(id, {
        empty: rows.length ? null : L10N.no_data,
        tooltip: { trigger: "axis" },
        xAxis: { type: "value", minInterval: 1, splitNumber: 3, axisLabel: { hideOverlap: true } },
        yAxis: { type: "category", data: top.map(function (r) { return r.name; }),
                 axisLabel: { fontSize: 10, width: 88, overflow: "truncate" } },
        series: [{ name: L10N.cases, type: "bar", data: top.map(function (r) { return r.count; }), itemStyle: { color: "#42a5f5" } },
                 { name: L10N.overdue, type: "bar", data: top.map(function (r) { return r.overdue; }), itemStyle: { color: "#d32f2f" } }]
      });
    }
    ranking("chart-grids", s.grids);
    ranking("chart-departments", s.departments);
    c("chart-levels", {
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: s.levels.map(function (l) { return l.name; }), axisLabel: { interval: 0, fontSize: 10 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: s.levels.map(function (l) { return l.count; }),
                 itemStyle: { color: function (p) { return ["#d32f2f", "#f9a825", "#42a5f5"][p.dataIndex]; } } }]
    });
  }

  return { render: render };
})();
