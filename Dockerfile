# Production image: Debian's GDAL/GEOS/PROJ, the pinned Python packages, compiled messages and static.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin libsqlite3-mod-spatialite gettext \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DEBUG=1 python manage.py compilemessages --ignore=.venv -v 0 \
 && DEBUG=1 python manage.py collectstatic --noinput -v 0 \
 && useradd --system --home /app govgrid && mkdir -p /app/media /app/var && chown -R govgrid /app/media /app/var
USER govgrid

EXPOSE 8000
CMD ["gunicorn", "govgrid.asgi:application", "-k", "uvicorn.workers.UvicornWorker", "-b", "0.0.0.0:8000", "-w", "3"]
