// Small behaviours shared by every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
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
