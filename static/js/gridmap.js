// Grid maps: boundaries by level from /api/v1/grids/boundaries/, labels, and a card on click.
// Works with no tile server: grids draw on a plain background (MAP_TILE_URL adds tiles).
(function () {
  "use strict";

  function zoomBucket(z) { return z < 11 ? 10 : z < 13 ? 12 : z < 15 ? 14 : 16; }

  function addTiles(map, el) {
    var url = el.dataset.tileUrl;
    if (url) L.tileLayer(url, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } }).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return r.json();
    });
  }

  // --- the full grid map -------------------------------------------------------------------
  function gridMap(el) {
    var colours = {};
    el.dataset.colours.split(",").forEach(function (pair) {
      var kv = pair.split(":"); colours[kv[0]] = kv[1];
    });
    var map = L.map(el, { zoomSnap: 0.5 });
    map.setView([26.87, 100.23], 10);
    // Deeper levels sit higher so a click lands on the smallest grid; the outlines of coarse
    // levels are drawn once more on top, without fill, so they stay visible over fine grids.
    [6, 9, 12, 15, 18].forEach(function (lv) { map.createPane("lv" + lv).style.zIndex = 400 + lv; });
    map.createPane("outlines").style.zIndex = 430;
    map.getPane("outlines").style.pointerEvents = "none";
    addTiles(map, el);
    var layers = {}, loadedAt = {}, selected = null, fitted = false;
    var within = el.dataset.within;
    // Labels of a level show only in a band of zooms, so the map never drowns in text.
    var labelZooms = { 6: [0, 10], 9: [9, 12], 12: [11.5, 14], 15: [14, 16.5], 18: [16.5, 30] };

    function style(level) {
      var deep = level >= 15;
      return { color: colours[level] || "#333", weight: deep ? 1 : level >= 12 ? 1.5 : 2.5,
               fill: true, fillOpacity: level >= 15 ? 0.06 : 0.02, dashArray: level >= 18 ? "3 3" : null };
    }

    function load(level) {
      var bucket = zoomBucket(map.getZoom());
      if (layers[level] && loadedAt[level] >= bucket) { layers[level].addTo(map); return; }
      var url = el.dataset.boundaries + "?level=" + level + "&zoom=" + bucket + (within ? "&within=" + within : "");
      fetchJSON(url).then(function (data) {
        if (layers[level]) map.removeLayer(layers[level]);
        var layer = L.geoJSON(data, {
          pane: "lv" + level,
          style: function () { return style(level); },
          onEachFeature: function (f, l) {
            l.on("click", function (e) { L.DomEvent.stopPropagation(e); select(f.properties.code, l); });
            l.bindTooltip(f.properties.name, { permanent: true, direction: "center", className: "glabel glabel-" + level,
                                               interactive: false });
          }
        });
        var group = L.layerGroup([layer]);
        if (level <= 12) {
          group.addLayer(L.geoJSON(data, { pane: "outlines", interactive: false,
            style: function () { var s = style(level); s.fill = false; return s; } }));
        }
        layers[level] = group; loadedAt[level] = bucket;
        if (isOn(level)) group.addTo(map);
        if (!fitted && data.features.length) { fitted = true; map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
        updateLabels();
      }).catch(function (err) { console.error(err); });
    }

    function isOn(level) {
      var box = document.querySelector('.layers input[value="' + level + '"]');
      return box && box.checked;
    }

    function updateLabels() {
      var z = map.getZoom();
      Object.keys(labelZooms).forEach(function (lv) {
        var band = labelZooms[lv];
        el.classList.toggle("hide-labels-" + lv, !(z >= band[0] && z < band[1]));
      });
    }

    function select(code, layer) {
      if (selected) selected.setStyle({ weight: style(selected.feature.properties.level).weight, color: colours[selected.feature.properties.level] });
      selected = layer;
      layer.setStyle({ weight: 4, color: "#c0392b" });
      layer.bringToFront();
      var url = el.dataset.card + code + "/card/";
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        document.getElementById("grid-card").innerHTML = html;
      });
    }

    document.querySelectorAll(".layers input").forEach(function (box) {
      box.addEventListener("change", function () {
        var level = box.value;
        if (box.checked) load(level); else if (layers[level]) map.removeLayer(layers[level]);
      });
    });
    map.on("zoomend", function () {
      updateLabels();
      document.querySelectorAll(".layers input:checked").forEach(function (box) { load(box.value); });
    });
    // Coarse levels first so the first fit uses the outline of the whole jurisdiction.
    var initial = [];
    document.querySelectorAll(".layers input:checked").forEach(function (box) { initial.push(box.value); });
    initial.sort(function (a, b) { return a - b; }).forEach(load);
    overlayPoints(map, document.getElementById("layer-service-points"));
    window.govgridMap = map;
  }

  // A toggleable layer of points from a GeoJSON endpoint (service points: name, kind, colour).
  function overlayPoints(map, box) {
    if (!box) return;
    var layer = null;
    function show() {
      if (layer) { layer.addTo(map); return; }
      fetchJSON(box.dataset.url).then(function (data) {
        layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 2, fillColor: f.properties.colour || "#333",
                                            fillOpacity: 0.95, pane: "markerPane", className: "service-point" });
          },
          onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + " · " + (f.properties.kind_label || "")); }
        });
        if (box.checked) layer.addTo(map);
      }).catch(function (err) { console.error(err); });
    }
    box.addEventListener("change", function () { if (box.checked) show(); else if (layer) map.removeLayer(layer); });
    if (box.checked) show();
  }

  // --- the small map on a grid's page ------------------------------------------------------
  function miniMap(el) {
    var map = L.map(el, { zoomControl: true, attributionControl: false, scrollWheelZoom: false });
    addTiles(map, el);
    var point = el.dataset.point ? el.dataset.point.split(",").map(Number) : null;
    map.setView(point || [26.87, 100.23], point ? 16 : 10);
    fetchJSON(el.dataset.geojson).then(function (data) {
      var layer = L.geoJSON(data, { style: { color: point ? "#2e7d32" : el.dataset.colour, weight: 2,
                                             fillOpacity: point ? 0.05 : 0.12 } }).addTo(map);
      if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [8, 8], maxZoom: 17, animate: false });
      if (point) L.circleMarker(point, { radius: 9, color: "#fff", weight: 2, fillColor: el.dataset.colour,
                                         fillOpacity: 1 }).addTo(map);
    });
  }

  var full = document.getElementById("gridmap");
  if (full) gridMap(full);
  var mini = document.getElementById("minimap");
  if (mini) miniMap(mini);
})();
