FROM alpine:3.19
RUN mkdir /app && chown nobody /app
RUN echo "a && b"
WORKDIR /app
RUN touch x
RUN --mount=type=cache,target=/c echo one
RUN echo two | tee y
RUN echo three
