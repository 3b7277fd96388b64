# ballast's own image: the release binary and the few shared libraries it
# links, on nothing (no shell, no package manager), run as a non-root user.
#
# Built by docker/build.sh, which compiles ballast on the host and stages the
# build context (target/docker/context): builds here have no network, so no
# builder image can be pulled and no crate fetched inside the build. See
# docs/docker.md for why and how.

# Stage 1: the file tree the image ships, as docker/build.sh staged it.
FROM scratch AS rootfs
COPY rootfs/ /

# Stage 2: the image, one layer copied from the first stage.
FROM scratch
ARG VERSION=0.0.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="ballast" \
      org.opencontainers.image.description="Finds the dead weight in container images" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.source="https://github.com/ballast-rs/ballast" \
      org.opencontainers.image.documentation="https://github.com/ballast-rs/ballast/blob/main/docs/docker.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=rootfs / /
# The layer cache goes to /tmp (world-writable, sticky) unless a volume is
# mounted at /cache and XDG_CACHE_HOME points there.
ENV XDG_CACHE_HOME=/tmp/cache
USER 65532:65532
WORKDIR /work
# A command-line tool, not a service: nothing to probe.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/ballast"]
CMD ["--help"]
