FROM alpine:3.19
RUN apk add curl
RUN apk update && apk add --virtual .build gcc && rm -rf /var/cache/apk/*
RUN apk --update add git
RUN apk add --no-cache jq && apk add bash
# expect: 2 3 4 5
