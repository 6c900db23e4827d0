"""Public pages (no login): the report form and case tracking. See events/urls.py."""

urlpatterns: list = []
