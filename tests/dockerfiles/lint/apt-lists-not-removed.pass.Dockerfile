FROM debian:12 AS unused-builder
RUN apt-get update && apt-get install -y --no-install-recommends gcc
FROM debian:12
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y --no-install-recommends git
RUN apt-get install -y --no-install-recommends jq
