FROM alpine AS a
FROM debian AS b
FROM a
FROM registry.example.com/team/app
# expect: 1 2 4
