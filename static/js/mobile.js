// Worker report form: the phone's GPS fills the location; "on the spot" shows the result fields.
(function () {
  "use strict";
  var form = document.getElementById("worker-report");
  if (!form) return;
  var status = document.getElementById("gps-status");
  var onSpot = document.getElementById("on-spot");
  var extra = document.getElementById("on-spot-fields");
  onSpot.addEventListener("change", function () { extra.hidden = !onSpot.checked; });
  // Which grid the point falls in, so the worker knows before submitting who will handle it.
  function showGrid(lat, lng) {
    var line = document.getElementById("gps-grid");
    if (!line || !window.fetch) return;
    fetch(line.dataset.url + "?lat=" + lat + "&lng=" + lng, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (grid) {
        line.textContent = grid ? line.dataset.label + " " + grid.name + " (" + grid.code + ")" : line.dataset.outside;
        line.hidden = false;
      })
      .catch(function () {});
  }
  if (!navigator.geolocation) { status.textContent = status.dataset.none; return; }
  navigator.geolocation.getCurrentPosition(function (pos) {
    document.getElementById("lat").value = pos.coords.latitude.toFixed(6);
    document.getElementById("lng").value = pos.coords.longitude.toFixed(6);
    status.textContent = status.dataset.found + " " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5) +
      " (±" + Math.round(pos.coords.accuracy) + " m)";
    showGrid(pos.coords.latitude.toFixed(6), pos.coords.longitude.toFixed(6));
  }, function () { status.textContent = status.dataset.none; }, { enableHighAccuracy: true, timeout: 15000 });  // the browser's own message is English
})();
