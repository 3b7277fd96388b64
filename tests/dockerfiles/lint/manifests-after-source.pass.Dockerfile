FROM node:20.11-alpine AS web
WORKDIR /app
COPY package*.json ./
RUN npm ci && npm cache clean --force
COPY . .
RUN npm run build

FROM golang:1.22 AS api
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/api .

FROM rust:1.77 AS rust
WORKDIR /app
COPY --from=api /out/api /usr/local/bin/api
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/app/target cargo build --release

FROM python:3.12-slim
WORKDIR /srv
RUN pip install --no-cache-dir gunicorn==21.2.0
COPY . /srv
RUN python -m compileall .
