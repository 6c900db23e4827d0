// Statistics page: the charts of the report rendered into the page (data from json_script).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("stats-data").textContent);
  var labels = JSON.parse(document.getElementById("dash-labels").textContent);
  var charts = {};
  GovGridCharts.render(data, labels, charts, null);
  window.addEventListener("resize", function () { Object.values(charts).forEach(function (c) { c.resize(); }); });
})();
