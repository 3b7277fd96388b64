FROM node:20.11-alpine AS web
WORKDIR /app
COPY . .
RUN npm ci && npm cache clean --force
RUN npm run build

FROM golang:1.22 AS api
WORKDIR /src
COPY ./ ./
RUN go mod download
RUN go build -o /out/api .

FROM python:3.12-slim
WORKDIR /srv
COPY . /srv
RUN pip install --no-cache-dir -r requirements.txt
# expect: 3 9 15
