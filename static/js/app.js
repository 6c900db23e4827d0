// Small behaviours shared by every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
    // Choosing in a select ticks the radio it belongs to (e.g. dispatch to a department or a worker).
    if (el.matches && el.matches("[data-check]")) {
      var radio = document.getElementById(el.dataset.check);
      if (radio) radio.checked = true;
    }
  });
  // htmx and fetch writes send Django's CSRF token from its cookie.
  window.govgridCsrf = function () {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  };
  document.body.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRFToken"] = window.govgridCsrf();
  });
})();
