# One image for the API, the worker, the relay and the one-shot migration.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY shared ./shared
COPY services ./services
COPY migrations ./migrations
# procps: the worker and relay health checks look for their process with pgrep. gcc and mypy compile the claim
# extractor (make native), which must work here, and are removed after: the compiled modules need neither.
RUN apt-get update && apt-get install -y --no-install-recommends procps gcc libc6-dev \
    && pip install --no-cache-dir -e '.[native]' \
    && python -m shared.claims.native build \
    && pip uninstall -y mypy \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/* \
    && python -c "import shared.claims.extraction as e; assert not e.__file__.endswith('.py'), 'not compiled'; \
assert e.extract_claims('It rose 5% in 2024.')"
USER nobody
