FROM python:3.12-slim AS a
RUN pip install --no-cache-dir flask==3.0.0
RUN --mount=type=cache,target=/root/.cache/pip pip install gunicorn==21.2.0
RUN pip download requests==2.31.0
FROM python:3.12-slim
ENV PIP_NO_CACHE_DIR=1
RUN pip install flask==3.0.0
