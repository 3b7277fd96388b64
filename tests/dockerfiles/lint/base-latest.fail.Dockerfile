FROM alpine:latest AS a
FROM registry.example.com/team/app:latest
# expect: 1 2
