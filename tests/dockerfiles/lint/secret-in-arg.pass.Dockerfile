ARG NODE_VERSION=20.11
FROM node:${NODE_VERSION}-alpine
ARG BUILD_DATE
RUN --mount=type=secret,id=npm,target=/root/.npmrc npm ci
