#!/usr/bin/env bash
# Fetch the SARIF 2.1.0 JSON schema (OASIS, final "rtm.5" text) for
# tests/sarif.rs. The schema ships inside the MIT-licensed npm package
# @microsoft/jest-sarif; the npm registry is reachable where GitHub is not.
# The file is checked against a pinned sha256 and stored under target/.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/sarif-schema/sarif-2.1.0-rtm.5.json
sum=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
if [ -f "$out" ] && echo "$sum  $out" | sha256sum -c --quiet 2>/dev/null; then
  exit 0
fi
mkdir -p "$(dirname "$out")"
url=https://registry.npmjs.org/@microsoft/jest-sarif/-/jest-sarif-1.0.0-beta.0.tgz
curl -fsSL "$url" | tar -xzO package/lib/schemas/sarif-2.1.0-rtm.5.json >"$out.tmp"
echo "$sum  $out.tmp" | sha256sum -c --quiet
mv "$out.tmp" "$out"
echo "SARIF schema: $out"
