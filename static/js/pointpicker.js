// Staff case entry: click the map to place the case; the outline of the jurisdiction is drawn from
// the boundaries API (signed-in staff), tiles only when a tile server is configured.
(function () {
  "use strict";
  var el = document.getElementById("pointpicker");
  if (!el) return;
  var lat = document.getElementById("id_lat"), lng = document.getElementById("id_lng");
  var map = L.map(el).setView([26.87, 100.23], 10);
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
  var marker = null;
  function place(latlng) {
    lat.value = latlng.lat.toFixed(6); lng.value = latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
  }
  fetch(el.dataset.boundaries, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, { style: { color: "#e65100", weight: 1.5, fillOpacity: 0.04 } }).addTo(map);
    layer.on("click", function (e) { place(e.latlng); });
    if (data.features.length) map.fitBounds(layer.getBounds(), { animate: false });
    if (lat.value && lng.value) place(L.latLng(+lat.value, +lng.value));
  });
  map.on("click", function (e) { place(e.latlng); });
})();
