#!/usr/bin/env bash
# Builds ballast's image with no network: compiles the release binary on the
# host (cargo build --release, unless BALLAST_BIN names one), stages the build
# context in target/docker/context (the binary, the shared libraries `ldd`
# says it loads, /etc/passwd and /etc/group naming the user, an empty /tmp and
# /work), and runs `docker build --network none` on it.
#
#   docker/build.sh [TAG]          # default tag: ballast:dev
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-ballast:dev}
bin=${BALLAST_BIN:-target/release/ballast}
if [ -z "${BALLAST_BIN:-}" ]; then
  cargo build --release --quiet
fi
[ -x "$bin" ] || { echo "docker/build.sh: no binary at $bin" >&2; exit 2; }

context=target/docker/context
rm -rf "$context"
root=$context/rootfs
mkdir -p "$root/usr/local/bin" "$root/etc" "$root/work"
install -m 0755 "$bin" "$root/usr/local/bin/ballast"
# The shared libraries and the loader, at the paths the binary asks for.
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' | sort -u |
  while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
    chmod 0755 "$root$lib"
  done
# Everything the binary needs must now be inside the tree.
missing=$(ldd "$bin" | awk '/not found/')
[ -z "$missing" ] || { echo "docker/build.sh: unresolved libraries: $missing" >&2; exit 2; }
printf 'root:x:0:0:root:/root:/sbin/nologin\nballast:x:65532:65532:ballast:/work:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nballast:x:65532:\n' >"$root/etc/group"
chmod 0644 "$root/etc/passwd" "$root/etc/group"
mkdir -m 1777 "$root/tmp"
chmod 0755 "$root/work" "$root/usr" "$root/usr/local" "$root/usr/local/bin" "$root/etc"
# Reproducible: one timestamp for every file.
find "$root" -exec touch -h -d @0 {} +
cp Dockerfile "$context/Dockerfile"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
docker build --network none --quiet \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
  -t "$tag" "$context" >/dev/null
docker image inspect "$tag" --format '{{.Id}} {{.Size}} bytes' | sed "s|^|$tag |"
