# syntax=docker/dockerfile:1
# Lojal's image: `docker build -t lojal .` (or `docker compose up`, see compose.yaml).
# Give it APP_URL, DATABASE_URL (postgresql+asyncpg://…) and SECRET_KEY; .env.example lists every setting.

# Stage 1: the Loyalty tab (dashboard_ui/), built with the versions in its package-lock.json.
FROM node:20-slim AS ui
WORKDIR /ui
COPY dashboard_ui/package.json dashboard_ui/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY dashboard_ui/ ./
RUN npm run build

# Stage 2: the slim Python runtime, installed by the pinned uv from uv.lock, run as a non-root user.
FROM python:3.11-slim AS runtime
# The same uv the Makefile pins (UV_VERSION).
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/srv/lojal/.venv \
    PATH=/srv/lojal/.venv/bin:$PATH \
    PORT=8000
RUN groupadd --gid 10001 lojal && useradd --uid 10001 --gid 10001 --create-home lojal
WORKDIR /srv/lojal

# Dependencies first, in a layer of their own: it is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md LICENSE ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# Then Lojal itself, installed as a package (not editable). manifest.json, dashboard_ui/dist and var/ are
# found relative to the working directory, /srv/lojal.
COPY app ./app
COPY webhooks ./webhooks
COPY migrations ./migrations
COPY manifest.json alembic.ini ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable \
    && mkdir -p var && chown lojal:lojal var
COPY --from=ui /ui/dist ./dashboard_ui/dist

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"
# Migrate (waits for the database; replicas starting together take turns under an advisory lock), then
# serve. `lojal worker` runs the outbox and scheduled jobs (compose.yaml's worker service).
CMD ["sh", "-c", "lojal migrate && exec lojal serve --host 0.0.0.0 --port ${PORT}"]
