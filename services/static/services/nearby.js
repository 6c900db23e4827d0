// Service points map: every point from the GeoJSON endpoint, the user's position with the
// 15-minute walking circle, "use my location" and tap-to-place (both reload with ?lat=&lng=,
// so the list beside the map is sorted by the server).
(function () {
  "use strict";
  var el = document.getElementById("svc-map");
  if (!el) return;
  var messages = JSON.parse(document.getElementById("nearby-messages").textContent);
  var status = document.getElementById("position-status");
  var map = L.map(el, { zoomSnap: 0.5 });
  if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  var hasOrigin = el.dataset.lat && el.dataset.lng;
  var origin = hasOrigin ? [Number(el.dataset.lat), Number(el.dataset.lng)] : null;
  map.setView(origin || [26.87, 100.23], origin ? 15 : 11);
  var area = L.geoJSON(JSON.parse(document.getElementById("area-data").textContent), {
    interactive: false,
    style: function (f) { return { color: f.properties.root ? "#b71c1c" : "#e65100", weight: f.properties.root ? 2.5 : 1,
                                    fill: f.properties.root, fillColor: "#fff", fillOpacity: 0.5 }; }
  }).addTo(map);
  if (!origin && area.getLayers().length) map.fitBounds(area.getBounds(), { padding: [10, 10], animate: false });
  var circle = null;
  if (origin) {
    circle = L.circle(origin, { radius: Number(el.dataset.radius), color: "#c0392b", weight: 2, fillOpacity: 0.06,
                                className: "svc-walk-circle" }).addTo(map);
    L.circleMarker(origin, { radius: 8, color: "#fff", weight: 3, fillColor: "#c0392b", fillOpacity: 1,
                             className: "svc-origin" }).addTo(map);
    map.fitBounds(circle.getBounds(), { padding: [10, 10], animate: false });
  }
  var kind = el.dataset.kind;
  fetch(el.dataset.points, { headers: { Accept: "application/geo+json" } }).then(function (r) {
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }).then(function (data) {
    var layer = L.geoJSON(data, {
      filter: function (f) { return !kind || f.properties.kind === kind; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: f.properties.colour,
                                        fillOpacity: 0.95, className: "svc-marker" });
      },
      onEachFeature: function (f, l) {
        var p = f.properties, box = document.createElement("div");
        var title = document.createElement("strong"); title.textContent = p.name; box.appendChild(title);
        [p.kind_label, p.hours_label || p.hours_text, p.phone, p.services].forEach(function (t) {
          if (!t) return;
          var line = document.createElement("div"); line.textContent = t; box.appendChild(line);
        });
        l.bindPopup(box);
      }
    }).addTo(map);
  }).catch(function (err) { console.error(err); });

  function go(lat, lng) {
    document.getElementById("lat").value = lat.toFixed(6);
    document.getElementById("lng").value = lng.toFixed(6);
    document.getElementById("position-form").submit();
  }
  map.on("click", function (e) { go(e.latlng.lat, e.latlng.lng); });
  document.getElementById("near-me").addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = messages.noGeolocation; return; }
    status.textContent = messages.locating;
    navigator.geolocation.getCurrentPosition(function (pos) { go(pos.coords.latitude, pos.coords.longitude); },
      function () { status.textContent = messages.geoFailed; }, { enableHighAccuracy: true, timeout: 15000 });
  });
  window.govgridServicesMap = map;
})();
