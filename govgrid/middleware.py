from csp.middleware import CSPMiddleware


class GovGridCSPMiddleware(CSPMiddleware):
    """The strict policy everywhere, except that Django admin's map widgets (django-leaflet) need
    their inline scripts: admin is only for administrators, and still loads nothing external."""

    def process_response(self, request, response):
        if request.path.startswith("/admin/") and not hasattr(response, "_csp_update"):
            response._csp_update = {"script-src": ["'unsafe-inline'"]}
        return super().process_response(request, response)
