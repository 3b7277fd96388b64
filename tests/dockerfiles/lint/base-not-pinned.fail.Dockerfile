FROM alpine:3.19 AS a
FROM a
FROM debian:12-slim
# expect: 1 3
