// Command-center dashboard: a snapshot from the API, then live hints over /ws/dashboard/.
// Messages are hints: on every (re)connect the page reloads its snapshot, so nothing is lost.
(function () {
  "use strict";
  var el = document.getElementById("dashboard");
  if (!el) return;
  var L10N = JSON.parse(document.getElementById("dash-labels").textContent);
  var root = el.dataset.root;
  var childLevel = null;
  var events = {};    // id -> {data, marker}
  var workers = {};   // seat id -> marker
  var loadByCode = {};
  var charts = {};

  // --- helpers -----------------------------------------------------------------------------
  function api(url, opts) {
    opts = opts || {};
    opts.credentials = "same-origin";
    opts.headers = Object.assign({ Accept: "application/json", "X-CSRFToken": window.govgridCsrf() }, opts.headers || {});
    return fetch(url, opts).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return r.json();
    });
  }
  function text(tag, value, cls) {
    var n = document.createElement(tag);
    n.textContent = value;
    if (cls) n.className = cls;
    return n;
  }
  function pct(v) { return v === null || v === undefined ? "–" : (v * 100).toFixed(1) + "%"; }
  function debounce(fn, ms) {
    var t = null;
    return function () { if (t) return; t = setTimeout(function () { t = null; fn(); }, ms); };
  }
  function inRoot(code) { return !root || (code || "").indexOf(root) === 0; }
  function snapshotUrl(parts) { return el.dataset.api + "?parts=" + parts + (root ? "&grid=" + root : ""); }

  // --- map ---------------------------------------------------------------------------------
  var map = L.map("dash-map", { zoomSnap: 0.5, preferCanvas: true, maxZoom: 19 });
  map.setView([26.87, 100.23], 10);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  var boundaryLayer = null;
  var cluster = L.markerClusterGroup({
    maxClusterRadius: 40,
    iconCreateFunction: function (c) {
      var overdue = c.getAllChildMarkers().some(function (m) { return m.options.overdue; });
      return L.divIcon({ html: "<span>" + c.getChildCount() + "</span>",
                         className: "dash-cluster" + (overdue ? " dash-cluster-overdue" : ""), iconSize: [34, 34] });
    }
  }).addTo(map);
  var workerLayer = L.layerGroup().addTo(map);
  var nearbyLayer = L.layerGroup().addTo(map);

  function shade(code) {
    var load = loadByCode[code] || { open: 0, overdue: 0 };
    var fill = load.overdue > 0 ? "#d32f2f" : load.open > 0 ? "#f9a825" : "#2e7d32";
    var opacity = Math.min(0.55, 0.08 + 0.04 * Math.sqrt(load.open + 3 * load.overdue));
    return { color: "#90caf9", weight: 1.2, fillColor: fill, fillOpacity: opacity };
  }

  function loadBoundaries(fit) {
    var url = el.dataset.boundaries + "?level=" + childLevel + "&zoom=" + (childLevel <= 9 ? 12 : 14) +
      (root ? "&within=" + root : "");
    return api(url).then(function (data) {
      if (boundaryLayer) map.removeLayer(boundaryLayer);
      boundaryLayer = L.geoJSON(data, {
        style: function (f) { return shade(f.properties.code); },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(function () {
            var load = loadByCode[f.properties.code] || { open: 0, overdue: 0 };
            return f.properties.name + " · " + L10N.open + " " + load.open + " · " + L10N.overdue + " " + load.overdue;
          }, { sticky: true });
          layer.on("click", function (e) { areaPopup(f.properties, e.latlng); });
        }
      }).addTo(map);
      boundaryLayer.bringToBack();
      if (fit && data.features.length) map.fitBounds(boundaryLayer.getBounds(), { padding: [8, 8] });
    });
  }

  function restyle() { if (boundaryLayer) boundaryLayer.setStyle(function (f) { return shade(f.properties.code); }); }

  function areaPopup(props, latlng) {
    var box = document.createElement("div");
    box.className = "dash-popup";
    box.appendChild(text("strong", props.name));
    var drill = text("button", L10N.drill, "btn-small");
    drill.type = "button";
    drill.dataset.action = "drill";
    drill.addEventListener("click", function () { map.closePopup(); drillTo(props.code); });
    var near = text("button", L10N.nearby, "btn-small");
    near.type = "button";
    near.dataset.action = "nearby";
    near.addEventListener("click", function () { showNearby(latlng, box); });
    if (props.level < 18) box.appendChild(drill);
    box.appendChild(near);
    L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(box).openOn(map);
  }

  function showNearby(latlng, box) {
    var url = el.dataset.nearby + "?lat=" + latlng.lat.toFixed(6) + "&lng=" + latlng.lng.toFixed(6) + "&radius=2000";
    api(url).then(function (data) {
      nearbyLayer.clearLayers();
      L.circle(latlng, { radius: data.radius, color: "#1565c0", weight: 1, fillOpacity: 0.04 }).addTo(nearbyLayer);
      var list = document.createElement("ol");
      list.className = "dash-nearby";
      if (!data.results.length) list.appendChild(text("li", L10N.none_nearby));
      data.results.forEach(function (w) {
        var li = document.createElement("li");
        li.appendChild(text("span", w.name + " · " + w.grid_name + " · " + w.distance_m + " " + L10N.m));
        if (w.phone) {
          var a = text("a", L10N.call + " " + w.phone, "call");
          a.href = "tel:" + w.phone;
          li.appendChild(a);
        }
        list.appendChild(li);
      });
      var old = box.querySelector(".dash-nearby");
      if (old) old.remove();
      box.appendChild(list);
    });
  }

  function markerFor(e) {
    var m = L.circleMarker([e.lat, e.lng], {
      radius: e.level === 1 ? 8 : 6, color: "#fff", weight: 1.5, fillColor: e.colour, fillOpacity: 0.95,
      overdue: e.overdue
    });
    m.bindPopup(function () {
      var box = document.createElement("div");
      var a = text("a", e.number);
      a.href = el.dataset.caseUrl + e.number + "/";
      box.appendChild(a);
      box.appendChild(text("div", e.category));
      box.appendChild(text("div", (L10N.statuses[e.status] || e.status) + (e.overdue ? " · " + L10N.overdue : "")));
      return box;
    });
    return m;
  }

  function upsertEvent(e) {
    var known = events[e.id];
    if (known) { cluster.removeLayer(known.marker); delete events[e.id]; }
    var open = ["closed", "rejected", "merged"].indexOf(e.status) < 0;
    if (open && inRoot(e.grid)) {
      var marker = markerFor(e);
      events[e.id] = { data: e, marker: marker };
      cluster.addLayer(marker);
    }
    el.dataset.markers = Object.keys(events).length;  // markers draw on a canvas: tests read this
  }

  function workerIcon(w) {
    return L.divIcon({ className: "dash-worker" + (w.on_duty ? "" : " off-duty"), iconSize: [14, 14],
                       html: "" });
  }
  function upsertWorker(w) {
    if (w.lat === null || !inRoot(w.grid)) return;
    var m = workers[w.id];
    if (m) { m.setLatLng([w.lat, w.lng]); m.setIcon(workerIcon(w)); return; }
    m = L.marker([w.lat, w.lng], { icon: workerIcon(w), keyboard: false });
    m.bindTooltip(L10N.worker + " · " + w.name);
    workers[w.id] = m;
    workerLayer.addLayer(m);
  }

  // --- tiles, lists, charts ------------------------------------------------------------------
  // Tiles of today come with the live figures; the 30-day rates with the (shared) charts.
  function renderTiles(values) {
    document.querySelectorAll(".dash-tiles .tile").forEach(function (tile) {
      if (!(tile.dataset.kpi in values)) return;
      var v = values[tile.dataset.kpi];
      tile.querySelector("b").textContent = tile.dataset.rate ? pct(v) : v;
    });
  }
  function renderFigures(s) {
    renderTiles(s.today);
    renderFeed(s.feed);
    renderAlerts(s.alerts);
  }

  function renderFeed(rows) {
    var ul = document.getElementById("dash-feed");
    ul.textContent = "";
    rows.forEach(function (r) { ul.appendChild(feedItem(r)); });
  }
  function feedItem(r) {
    var li = document.createElement("li");
    var dot = text("i", "", "dot");
    dot.style.background = r.colour;
    li.appendChild(dot);
    var a = text("a", r.number);
    a.href = el.dataset.caseUrl + r.number + "/";
    li.appendChild(a);
    li.appendChild(text("span", " " + r.category + " · " + r.grid_name));
    li.appendChild(text("small", " " + (r.status_label || L10N.statuses[r.status] || r.status)));
    return li;
  }

  function renderAlerts(rows) {
    var ul = document.getElementById("dash-alerts");
    ul.textContent = "";
    if (!rows.length) ul.appendChild(text("li", L10N.no_alerts, "muted"));
    rows.forEach(function (a) { ul.appendChild(alertItem(a)); });
  }
  function alertItem(a) {
    var li = document.createElement("li");
    li.className = a.acknowledged ? "alert-done" : "alert-open";
    li.dataset.alert = a.id;
    li.appendChild(text("span", a.message));
    if (!a.acknowledged) {
      var b = text("button", L10N.acknowledge, "btn-small");
      b.type = "button";
      b.addEventListener("click", function () {
        api(el.dataset.alerts + a.id + "/acknowledge/", { method: "POST" }).then(function (done) {
          li.replaceWith(alertItem(done));
        }).catch(function () { b.disabled = true; });
      });
      li.appendChild(b);
    } else {
      li.appendChild(text("small", " · " + L10N.acknowledged));
    }
    return li;
  }

  function renderCharts(s) {
    renderTiles(s.kpis);
    GovGridCharts.render(s, L10N, charts, "dark");
    var at = document.getElementById("dash-charts-at");  // the charts may be shared for a minute
    at.querySelector("time").dateTime = s.charts_at;
    at.querySelector("time").textContent = new Date(s.charts_at).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
    at.hidden = false;
  }

  function renderPath(path) {
    var nav = document.getElementById("dash-path");
    nav.textContent = "";
    path.forEach(function (p, i) {
      if (i) nav.appendChild(text("span", " › ", "sep"));
      var a = text("a", p.name);
      a.href = "?grid=" + p.code;
      a.dataset.code = p.code;
      a.addEventListener("click", function (ev) { ev.preventDefault(); drillTo(p.code); });
      nav.appendChild(a);
    });
  }

  function renderMap(s, fit) {
    loadByCode = s.load;
    cluster.clearLayers();
    events = {};
    s.events.forEach(upsertEvent);
    el.dataset.markers = Object.keys(events).length;
    workerLayer.clearLayers();
    workers = {};
    s.workers.forEach(upsertWorker);
    if (childLevel !== s.child_level || fit) { childLevel = s.child_level; loadBoundaries(fit); } else { restyle(); }
  }

  // --- loading -------------------------------------------------------------------------------
  function loadAll(fit) {
    // Tiles and map first; the charts (which may come from a shared minute-old entry) beside them.
    var live = api(snapshotUrl("figures,map")).then(function (s) {
      renderPath(s.path);
      renderFigures(s);
      renderMap(s, fit);
      loadProxy();
    });
    var charts = api(snapshotUrl("charts")).then(renderCharts);
    return Promise.all([live, charts]).then(function () { el.dataset.loaded = "1"; });
  }
  // Proxy handling (代办) figures of the services app, when it is installed.
  function loadProxy() {
    if (!el.dataset.proxy) return;
    var since = new Date(Date.now() - 29 * 864e5).toISOString().slice(0, 10);
    api(el.dataset.proxy + "?date_from=" + since + (root ? "&grid=" + root : "")).then(function (p) {
      document.querySelectorAll("#dash-proxy [data-proxy]").forEach(function (dd) {
        var v = p.total[dd.dataset.proxy];
        dd.textContent = dd.dataset.rate ? pct(v) : v;
      });
    }).catch(function () {});
  }
  var refreshProxy = debounce(loadProxy, 3000);

  var refreshFigures = debounce(function () {
    api(snapshotUrl("figures")).then(renderFigures);
    api(snapshotUrl("load")).then(function (s) { loadByCode = s.load; restyle(); });
  }, 1500);
  var refreshCharts = debounce(function () { api(snapshotUrl("charts")).then(renderCharts); }, 15000);

  function drillTo(code) {
    root = code;
    nearbyLayer.clearLayers();
    history.replaceState(null, "", "?grid=" + code);
    childLevel = null;
    loadAll(true);
  }

  // --- live ----------------------------------------------------------------------------------
  var backoff = 1000, opened = false;
  function connect() {
    var conn = document.getElementById("dash-conn");
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + el.dataset.ws);
    ws.onopen = function () {
      backoff = 1000;
      conn.dataset.state = "live";
      conn.title = "";
      loadAll(!opened);  // (re)connected and joined: the snapshot is the truth, hints fill in after it
      opened = true;
    };
    ws.onmessage = function (msg) {
      var m = JSON.parse(msg.data);
      if (m.type === "event.created" || m.type === "event.updated") {
        upsertEvent(m.event);
        if (m.type === "event.created" && inRoot(m.event.grid)) {
          var feedList = document.getElementById("dash-feed");
          feedList.insertBefore(feedItem({ number: m.event.number, status: m.event.status, colour: m.event.colour,
                                           category: m.event.category, grid_name: m.event.grid }), feedList.firstChild);
        }
        refreshFigures();
        refreshCharts();
      } else if (m.type === "proxy.updated") {
        refreshProxy();
      } else if (m.type === "worker.moved") {
        upsertWorker(m.worker);
      } else if (m.type === "alert.raised" || m.type === "alert.updated") {
        refreshFigures();
      } else if (m.type === "supervision.issued" || m.type === "whistle.blown") {
        var item = m.supervision ? text("li", L10N.supervision + " · " + m.supervision.reason, "alert-open")
                                 : text("li", L10N.whistle + " · " + m.whistle.event + " · " + m.whistle.reason, "alert-open");
        var feed = document.getElementById("dash-feed");
        feed.insertBefore(item, feed.firstChild);
      }
    };
    ws.onclose = function () {
      conn.dataset.state = "offline";
      conn.title = L10N.offline;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    };
  }

  // --- the rest ------------------------------------------------------------------------------
  function tick() {
    var now = new Date();
    document.getElementById("dash-clock").textContent = now.toLocaleString();
  }
  setInterval(tick, 1000);
  tick();
  var wallButton = document.getElementById("dash-wall");
  function wallMode(on) {
    document.body.classList.toggle("wall", on);
    wallButton.textContent = on ? L10N.wall_exit : L10N.wall;
  }
  // Leaving full screen with Esc leaves wall mode too.
  document.addEventListener("fullscreenchange", function () { if (!document.fullscreenElement) wallMode(false); });
  wallButton.addEventListener("click", function () {
    var on = !document.body.classList.contains("wall");
    wallMode(on);
    if (on && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    } else if (!on && document.fullscreenElement) {
      document.exitFullscreen().catch(function () {});
    }
    setTimeout(function () { map.invalidateSize(); Object.values(charts).forEach(function (c) { c.resize(); }); }, 200);
  });
  window.addEventListener("resize", function () { Object.values(charts).forEach(function (c) { c.resize(); }); });
  var legend = document.getElementById("dash-legend");
  ["reported", "dispatched", "in_progress", "resolved"].forEach(function (s) {
    var item = text("span", L10N.statuses[s]);
    var dot = text("i", "", "dot");
    dot.style.background = L10N.colours[s];
    item.prepend(dot);
    legend.appendChild(item);
  });
  var od = text("span", L10N.overdue);
  var odDot = text("i", "", "dot");
  odDot.style.background = L10N.overdue_colour;
  od.prepend(odDot);
  legend.appendChild(od);
  var wk = text("span", L10N.worker);
  wk.prepend(text("i", "", "dot dot-worker"));
  legend.appendChild(wk);

  // Join first, then load (a change in between arrives as a hint); without websockets, load anyway.
  connect();
  setTimeout(function () { if (!opened) { opened = true; loadAll(true); } }, 3000);
})();
