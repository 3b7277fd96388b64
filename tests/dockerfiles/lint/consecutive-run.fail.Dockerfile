FROM alpine:3.19
RUN mkdir /app
RUN chown nobody /app
# a comment does not separate them
RUN ["touch", "/app/x"]
RUN --mount=type=cache,target=/c echo one
RUN --mount=type=cache,target=/c echo two
# expect: 3 5 7
