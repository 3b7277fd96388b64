ARG REGISTRY=docker.io
ARG IMAGE=library/alpine
ARG TAG
FROM ${REGISTRY}/${IMAGE}:${TAG:-3.19} AS base
ARG TAG
ARG USER_ID=1000
ENV HOME=/home/app \
    APP_DIR=${HOME}/src \
    GREETING="hello world" \
    LITERAL='$NOT_EXPANDED' \
    ESCAPED=\$HOME
ENV OPTIONAL=${UNSET:+set} FALLBACK=${UNSET-fallback}
WORKDIR $APP_DIR
COPY --chown=${USER_ID}:${USER_ID} ["file with spaces.txt", "./"]
LABEL org.opencontainers.image.version="${TAG}" \
      "com.example.multi word"="yes"
USER ${USER_ID}
ONBUILD COPY . $APP_DIR
ONBUILD RUN make
