// Public report form: pick the point on a map (tap, drag, or "use my location") and see which grid
// it falls in; count the description's characters; collect up to six photos, shrunk on the phone
// before upload (a 4000-pixel phone photo is 5 MB on a slow network). The done page's "copy the
// code" button lives here too. Works with no tile server: the service area is drawn from the
// GeoJSON the page carries. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (m, key) {
      return values[key] != null ? values[key] : m;
    });
  }

  // --- done page: copy the tracking code ---------------------------------------------------
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    if (!navigator.clipboard || !window.isSecureContext) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(btn.dataset.copy).then(function () {
        var label = btn.textContent;
        btn.textContent = btn.dataset.copied;
        setTimeout(function () { btn.textContent = label; }, 2000);
      });
    });
  });

  var form = document.getElementById("report-form");
  if (!form) return;
  var T = readJSON("report-messages") || {};
  var latInput = form.elements.lat, lngInput = form.elements.lng;
  var statusEl = document.getElementById("point-status");
  var submit = document.getElementById("report-submit");
  var submitLabel = submit.textContent;
  // none: no point yet; pending: asking the server; inside / outside / unknown: its answer.
  var pointState = "none";

  function setStatus(text, kind) {
    var span = document.createElement("span");
    span.className = "pub-point-" + (kind || "info");
    span.textContent = text;
    statusEl.replaceChildren(span);
  }

  // --- the map -----------------------------------------------------------------------------
  var mapEl = document.getElementById("report-map");
  var map = L.map(mapEl, { zoomSnap: 0.5, maxZoom: 19, attributionControl: !!mapEl.dataset.tileUrl });
  if (mapEl.dataset.tileUrl) {
    L.tileLayer(mapEl.dataset.tileUrl, { attribution: mapEl.dataset.tileAttribution || "", maxZoom: 19 }).addTo(map);
  }
  var area = readJSON("area-data");
  var outline = null;
  if (area && area.features && area.features.length) {
    outline = L.geoJSON(area, {
      interactive: false,
      style: function (f) {
        return f.properties.root
          ? { color: "#b71c1c", weight: 2.5, fillColor: "#ffffff", fillOpacity: 0.65 }
          : { color: "#e65100", weight: 1, opacity: 0.7, dashArray: "4 4", fill: false };
      },
      onEachFeature: function (f, layer) {
        if (!f.properties.root) {
          layer.bindTooltip(f.properties.name, { permanent: true, direction: "center", interactive: false,
                                                 className: "glabel glabel-9 pub-area-label" });
        }
      }
    }).addTo(map);
    map.fitBounds(outline.getBounds(), { padding: [6, 6] });
  } else {
    map.setView([35, 105], 4);
  }
  // Area labels help to find one's way on a map without tiles, but crowd it when zoomed out.
  function updateLabels() { mapEl.classList.toggle("pub-labels-off", map.getZoom() < 10.5); }
  map.on("zoomend", updateLabels);
  updateLabels();
  window.govgridReportMap = map; // for the browser tests, as gridmap.js does

  var marker = null, accuracy = null, asked = 0;

  function gridText(grid) {
    // Township · community · grid, as the tracking page shows it (the county is understood).
    var above = (grid.ancestors || []).slice(1).map(function (a) { return a.name; });
    return above.concat([grid.name]).join(" · ");
  }

  function locate(lat, lng) {
    var mine = ++asked;
    pointState = "pending";
    setStatus(T.checking, "pending");
    var url = mapEl.dataset.locateUrl + "?lat=" + encodeURIComponent(lat) + "&lng=" + encodeURIComponent(lng);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (mine !== asked) return null;
      if (r.status === 404) {
        pointState = "outside";
        setStatus(T.outside, "error");
        return null;
      }
      if (!r.ok) throw new Error(String(r.status));
      return r.json().then(function (grid) {
        if (mine !== asked) return;
        pointState = "inside";
        setStatus(fmt(T.inGrid, { grid: gridText(grid) }), "ok");
      });
    }).catch(function () {
      if (mine !== asked) return;
      pointState = "unknown";
      setStatus(T.unknown, "info");
    });
  }

  function place(lat, lng, zoom) {
    if (accuracy && !zoom) { map.removeLayer(accuracy); accuracy = null; }
    latInput.value = lat.toFixed(6);
    lngInput.value = lng.toFixed(6);
    if (!marker) {
      marker = L.marker([lat, lng], { draggable: true, autoPan: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () {
        var p = marker.getLatLng();
        place(p.lat, p.lng);
      });
    } else {
      marker.setLatLng([lat, lng]);
    }
    if (zoom) map.setView([lat, lng], Math.max(map.getZoom(), zoom));
    else if (!map.getBounds().pad(-0.1).contains([lat, lng])) map.panTo([lat, lng]);
    locate(lat, lng);
  }

  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng); });
  // After the server sent the form back, the point the resident picked is still there.
  if (latInput.value && lngInput.value) {
    var lat0 = parseFloat(latInput.value), lng0 = parseFloat(lngInput.value);
    if (isFinite(lat0) && isFinite(lng0)) {
      place(lat0, lng0, 16);
      // A point outside the area: show it together with the area, so the way back is plain.
      if (outline && !outline.getBounds().contains([lat0, lng0])) {
        map.fitBounds(outline.getBounds().extend([lat0, lng0]), { padding: [16, 16] });
      }
    }
  }

  var locButton = document.getElementById("use-location");
  locButton.addEventListener("click", function () {
    if (!navigator.geolocation) { setStatus(T.noGeolocation, "error"); return; }
    setStatus(T.locating, "pending");
    locButton.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      locButton.disabled = false;
      var c = pos.coords, where = [c.latitude, c.longitude];
      // How sure the phone is: a circle, so nobody mistakes a 300 m guess for the exact spot.
      if (accuracy) accuracy.setLatLng(where).setRadius(c.accuracy || 0);
      else accuracy = L.circle(where, { radius: c.accuracy || 0, interactive: false, color: "#1565c0", weight: 1,
                                        fillOpacity: 0.12 }).addTo(map);
      place(c.latitude, c.longitude, c.accuracy > 150 ? 15 : 17);
    }, function (err) {
      locButton.disabled = false;
      setStatus(err.code === 1 ? T.geoDenied : T.geoFailed, "error");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // --- description counter -----------------------------------------------------------------
  var desc = form.elements.description;
  var counter = document.getElementById(desc.dataset.counter);
  var maxChars = parseInt(desc.getAttribute("maxlength"), 10) || 4000;
  function count() {
    counter.textContent = fmt(T.counter, { count: desc.value.length, max: maxChars });
    counter.classList.toggle("pub-counter-near", desc.value.length > maxChars * 0.9);
  }
  desc.addEventListener("input", count);
  count();

  // --- photos ------------------------------------------------------------------------------
  var maxPhotos = parseInt(form.dataset.maxPhotos, 10) || 6;
  var pickers = Array.prototype.slice.call(form.querySelectorAll("input.pub-file"));
  var list = document.getElementById("photo-list");
  var photoStatus = document.getElementById("photo-status");
  var photos = []; // {file, url, pending}
  var MAX_SIDE = 2560, SHRINK_ABOVE = 1.5 * 1024 * 1024;
  // Where the browser lets a script set an input's files, both pickers add to one list sent by
  // a single hidden input (so two shots taken one after the other are both kept); elsewhere each
  // picker sends its own latest choice.
  var upload = null;
  try {
    if (new DataTransfer().items) {
      upload = document.createElement("input");
      upload.type = "file";
      upload.name = "photos";
      upload.multiple = true;
      upload.hidden = true;
      form.appendChild(upload);
      pickers.forEach(function (p) { p.removeAttribute("name"); });
    }
  } catch (e) {
    upload = null;
  }

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp|bmp)$/.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () {
        var w = img.naturalWidth, h = img.naturalHeight, scale = Math.min(1, MAX_SIDE / Math.max(w, h));
        if (scale === 1 && file.size <= SHRINK_ABOVE) { URL.revokeObjectURL(url); resolve(file); return; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        var ctx = canvas.getContext("2d");
        ctx.fillStyle = "#fff"; // transparent PNG areas become white, not black, in a JPEG
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); }; // the server will say why
      img.src = url;
    });
  }

  function pending() {
    return photos.some(function (p) { return p.pending; });
  }

  function sync() {
    if (upload) {
      var dt = new DataTransfer();
      photos.forEach(function (p) { if (p.file) dt.items.add(p.file); });
      upload.files = dt.files;
    }
    var busy = pending();
    submit.disabled = busy;
    submit.textContent = busy ? T.preparing : submitLabel;
  }

  function render() {
    list.replaceChildren();
    photos.forEach(function (p, i) {
      var li = document.createElement("li");
      if (p.pending) {
        li.className = "pending";
      } else if (/^image\//.test(p.file.type)) {
        var img = document.createElement("img");
        img.src = p.url;
        img.alt = p.file.name;
        li.appendChild(img);
      } else {
        li.className = "pub-photo-file";
        li.textContent = p.file.name;
      }
      if (upload) {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "pub-photo-remove";
        remove.setAttribute("aria-label", T.remove);
        remove.textContent = "×";
        remove.addEventListener("click", function () {
          var gone = photos.splice(i, 1)[0];
          if (gone.url) URL.revokeObjectURL(gone.url);
          photoStatus.textContent = "";
          sync();
          render();
        });
        li.appendChild(remove);
      }
      list.appendChild(li);
    });
    pickers.forEach(function (p) {
      var label = form.querySelector('label[for="' + p.id + '"]');
      if (label) label.classList.toggle("is-disabled", !!upload && photos.length >= maxPhotos);
      p.disabled = !!upload && photos.length >= maxPhotos;
    });
  }

  function add(files) {
    var room = maxPhotos - photos.length;
    var chosen = Array.prototype.slice.call(files, 0, Math.max(room, 0));
    photoStatus.textContent = files.length > room ? T.tooManyPhotos : "";
    chosen.forEach(function (file) {
      var item = { file: null, url: null, pending: true };
      photos.push(item);
      shrink(file).then(function (ready) {
        item.file = ready;
        item.url = URL.createObjectURL(ready);
        item.pending = false;
        sync();
        render();
      });
    });
    sync();
    render();
  }

  pickers.forEach(function (picker) {
    picker.addEventListener("change", function () {
      if (upload) {
        add(picker.files);
        picker.value = ""; // the same photo may be picked again after removing it
        return;
      }
      photos.forEach(function (p) { if (p.url) URL.revokeObjectURL(p.url); });
      photos = [];
      pickers.forEach(function (p) {
        Array.prototype.forEach.call(p.files, function (file) {
          photos.push({ file: file, url: URL.createObjectURL(file), pending: false });
        });
      });
      photoStatus.textContent = photos.length > maxPhotos ? T.tooManyPhotos : "";
      render();
    });
  });

  // --- sending -----------------------------------------------------------------------------
  // The idempotency key makes a double tap or a retried upload file one case. But a resident who
  // goes Back from the done page, changes the form and sends it means a new problem: the same
  // content keeps its key, different content gets a new one.
  var keyInput = form.elements.idempotency_key;

  function fingerprint() {
    return [form.elements.category.value, desc.value.trim(), latInput.value, lngInput.value,
            photos.map(function (p) { return p.file ? p.file.name + ":" + p.file.size : ""; }).join(",")].join("|");
  }

  function newKey() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function settleKey() {
    try {
      var store = window.sessionStorage, content = fingerprint();
      var sent = store.getItem("govgrid-report:" + keyInput.value);
      if (sent !== null && sent !== content) keyInput.value = newKey();
      store.setItem("govgrid-report:" + keyInput.value, content);
    } catch (err) {
      // No storage (private mode): the key stays; at worst a changed resend shows the first case.
    }
  }

  form.addEventListener("submit", function (e) {
    if (!latInput.value || pointState === "outside") {
      e.preventDefault();
      setStatus(pointState === "outside" ? T.outside : T.needPoint, "error");
      mapEl.scrollIntoView({ behavior: "smooth", block: "center" });
      return;
    }
    if (pending() || (!upload && photos.length > maxPhotos)) {
      e.preventDefault();
      return;
    }
    settleKey();
    // One tap, one case: the idempotency key catches a second submit that gets through anyway.
    submit.disabled = true;
    submit.textContent = T.sending;
  });
  window.addEventListener("pageshow", function () { sync(); });
})();
