#!/usr/bin/env bash
# Installs MinIO, the S3-compatible server the S3 destination tests run against, by building
# it from the Go module proxy into the git-ignored .cache/s3-server/ (no binary downloads).
#
#   bash scripts/install-s3-server.sh      # prints the path of the minio binary
#
# Idempotent: returns at once when the pinned version is already built. A fresh build takes
# ~5-8 minutes on 2 cores and ~2 GB of temporary disk (module + build caches, removed after).
# Override the pin with MINIO_VERSION, the location with S3_SERVER_CACHE_DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
DEST="${S3_SERVER_CACHE_DIR:-$ROOT/.cache/s3-server}"
BIN="$DEST/bin/minio"
STAMP="$DEST/bin/minio.version"

installed() { [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ]; }

if installed; then echo "$BIN"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-s3-server: 'go' is not on PATH; install Go >= 1.24 (e.g. apt-get install golang-go) and retry" >&2
  exit 1
fi

mkdir -p "$DEST"
# One build at a time (parallel test files may all ask for it).
exec 9>"$DEST/.install.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if installed; then echo "$BIN"; exit 0; fi

echo "install-s3-server: building github.com/minio/minio@$VERSION (takes a few minutes the first time)" >&2
WORK="$DEST/go"
rm -rf "$DEST/bin.tmp"
mkdir -p "$WORK" "$DEST/bin.tmp"
(
  cd "$DEST"
  env GOPATH="$WORK" GOMODCACHE="$WORK/pkg/mod" GOCACHE="$WORK/cache" GOBIN="$DEST/bin.tmp" \
    GOFLAGS="-modcacherw -buildvcs=false" CGO_ENABLED=0 \
    go install -trimpath "github.com/minio/minio@$VERSION" >&2
)
mkdir -p "$DEST/bin"
mv -f "$DEST/bin.tmp/minio" "$BIN"
rmdir "$DEST/bin.tmp"
echo "$VERSION" > "$STAMP"
# The caches are only needed to build; keep them with S3_SERVER_KEEP_GO_CACHE=1.
if [ "${S3_SERVER_KEEP_GO_CACHE:-0}" != "1" ]; then rm -rf "$WORK"; fi
echo "$BIN"
