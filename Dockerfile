# syntax=docker/dockerfile:1
# Stage 1: build the Loyalty tab (skipped cleanly while dashboard_ui has no package.json).
FROM node:20-slim AS ui
WORKDIR /ui
COPY dashboard_ui/ ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund && npm run build; else mkdir -p dist; fi

# Stage 2: the slim Python runtime, run as a non-root user.
FROM python:3.11-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000
RUN useradd --create-home --uid 10001 lojal
WORKDIR /srv/lojal
COPY pyproject.toml README.md alembic.ini manifest.json ./
COPY app ./app
COPY webhooks ./webhooks
COPY migrations ./migrations
# Editable install keeps manifest.json, migrations and the UI next to the code, where the app looks.
RUN pip install -e . && mkdir -p var && chown lojal:lojal var
COPY --from=ui /ui/dist ./dashboard_ui/dist
USER lojal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz', timeout=4)"
# Migrate, then serve. Set APP_URL, DATABASE_URL (postgresql+asyncpg://...) and SECRET_KEY.
CMD ["sh", "-c", "lojal migrate && exec lojal serve --host 0.0.0.0 --port ${PORT}"]
