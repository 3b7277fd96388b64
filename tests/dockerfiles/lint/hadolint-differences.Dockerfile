ARG BASE=alpine
FROM alpine:3.19 AS builder
USER root
RUN sudo apt-get update
RUN --mount=type=cache,target=/var/lib/apt apt-get update
RUN --mount=type=cache,target=/root/.cache pip install --upgrade pip==24.0
HEALTHCHECK CMD ["true"]

FROM builder AS python
ENV PIP_NO_CACHE_DIR=false
RUN pip install flask==3.0.0
ADD git@github.com:moby/buildkit.git /src
ADD https://github.com/moby/buildkit.git /src2

FROM BUILDER AS case
FROM reg:5000/app AS port
FROM $BASE AS arg

FROM python
USER app
# Each line below is a deliberate difference from hadolint 2.15 (README,
# "Dockerfile lint: hadolint parity"):
# hadolint-only: DL3002 3
# ballast-only: DL3009 4
# hadolint-only: DL3009 5
# hadolint-only: DL3042 6 11
# hadolint-only: DL3020 12
# hadolint-only: DL3006 15
# ballast-only: DL3006 16 17
