FROM alpine:3.19
RUN apk add --no-cache curl
RUN apk add --no-cache --virtual .build gcc && apk del .build
RUN apk info
