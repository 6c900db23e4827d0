// Worker phone: on duty, the phone's position goes to the command center about every 30 s
// (POST /api/v1/me/position/), so dispatchers see who is near a case. Off duty, nothing is sent.
(function () {
  "use strict";
  var box = document.getElementById("duty");
  if (!box) return;
  var state = box.querySelector(".duty-state");
  var button = box.querySelector(".duty-toggle");
  var watch = null, last = null, sentAt = 0, EVERY_MS = 30000;

  function send(body) {
    return fetch(box.dataset.api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": window.govgridCsrf(), Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function render() {
    var on = box.dataset.on === "1";
    box.classList.toggle("duty-on", on);
    state.textContent = on ? box.dataset.labelOn : box.dataset.labelOff;
    button.textContent = on ? button.dataset.stop : button.dataset.start;
  }
  function position(pos) {
    last = { lat: +pos.coords.latitude.toFixed(6), lng: +pos.coords.longitude.toFixed(6) };
    if (Date.now() - sentAt >= EVERY_MS) {
      sentAt = Date.now();
      send(Object.assign({ on_duty: true }, last)).catch(function () { sentAt = 0; });  // retried next fix
    }
  }
  function startWatching() {
    if (!navigator.geolocation) { state.textContent = box.dataset.noGps; return; }
    watch = navigator.geolocation.watchPosition(position, function () {}, { enableHighAccuracy: true, maximumAge: 20000 });
  }
  button.addEventListener("click", function () {
    var on = box.dataset.on !== "1";
    send(on && last ? Object.assign({ on_duty: true }, last) : { on_duty: on }).then(function () {
      box.dataset.on = on ? "1" : "0";
      render();
      if (on) { sentAt = 0; startWatching(); } else if (watch !== null) { navigator.geolocation.clearWatch(watch); watch = null; }
    });
  });
  render();
  if (box.dataset.on === "1") startWatching();
})();
