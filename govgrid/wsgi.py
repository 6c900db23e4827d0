"""WSGI entry, for tools that want one; GovGrid is served through `asgi.py`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govgrid.settings")
application = get_wsgi_application()
