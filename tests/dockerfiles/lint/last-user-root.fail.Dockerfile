FROM alpine:3.19
RUN adduser -D app
USER app
RUN echo hi
USER root
# expect: 5
