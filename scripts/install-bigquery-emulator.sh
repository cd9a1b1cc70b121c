#!/usr/bin/env bash
# Installs the BigQuery emulator used by test/destination-bigquery.test.ts: `bqemulator`
# (PyPI; DuckDB-backed, speaks the BigQuery REST API incl. load-job uploads, MERGE, UPDATE)
# into a virtualenv under .cache/ (gitignored). Idempotent; ~1 minute on 2 cores (wheels only).
#
# Why this one: goccy/bigquery-emulator (Go) needs go-zetasql, hundreds of cgo C++ packages,
# far too slow to build in CI; its list endpoint is also refused by the Go module proxy, so
# `go install ...@latest` fails outright.
#
# Pins: the full set below is what the tests were run with. duckdb is held at 1.5.x, the line
# bqemulator 1.4.0 was built for (duckdb 2.0 changed create_function; 1.4.x rejects its UDFs).
# DuckDB's spatial extension cannot be downloaded here (no network beyond package registries);
# the test helper starts the emulator with that (GEOGRAPHY-only) step skipped.
#
# Prints the venv's python path on success.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${BIGQUERY_EMULATOR_DIR:-$ROOT/.cache/bigquery-emulator}"
VENV="$DIR/venv"

REQUIREMENTS="$(cat <<'REQ'
alembic==1.20.1
annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
asgiref==3.13.0
bqemulator==1.4.0
certifi==2026.10.18
cffi==2.1.1
charset-normalizer==3.5.2
click==8.5.1
cryptography==50.0.2
duckdb==1.5.6
fastapi==0.165.0
fastavro==1.13.1
google-api-core==2.44.0
google-auth==2.62.2
google-cloud-bigquery-storage==2.43.0
googleapis-common-protos==1.76.0
grpcio==1.85.1
grpcio-health-checking==1.80.1
grpcio-status==1.85.1
grpcio-tools==1.80.1
h11==0.16.0
httpcore==1.0.9
httptools==0.9.0
httpx==0.28.1
idna==3.20
Mako==1.4.3
MarkupSafe==3.0.4
numpy==2.4.6
opentelemetry-api==1.45.2
opentelemetry-exporter-http-transport==0.66b2
opentelemetry-exporter-otlp==1.45.2
opentelemetry-exporter-otlp-common==0.66b2
opentelemetry-exporter-otlp-proto-common==1.45.2
opentelemetry-exporter-otlp-proto-grpc==1.45.2
opentelemetry-exporter-otlp-proto-http==1.45.2
opentelemetry-instrumentation==0.66b2
opentelemetry-instrumentation-asgi==0.66b2
opentelemetry-instrumentation-fastapi==0.66b2
opentelemetry-instrumentation-grpc==0.66b2
opentelemetry-proto==1.45.2
opentelemetry-sdk==1.45.2
opentelemetry-semantic-conventions==0.66b2
opentelemetry-util-http==0.66b2
orjson==3.13.0
packaging==26.3
prometheus_client==0.26.0
proto-plus==1.29.0
protobuf==6.33.6
pyarrow==26.0.1
pyasn1==0.6.5
pyasn1_modules==0.4.2
pycparser==3.12
pydantic==2.14.3
pydantic-settings==2.16.3
pydantic_core==2.50.4
PyJWT==2.15.1
python-dotenv==1.2.4
pytz==2026.6
PyYAML==6.0.3
requests==2.34.2
SQLAlchemy==2.1.9
sqlglot==30.11.0
starlette==1.10.0
structlog==26.1.0
typing-inspection==0.4.5
typing_extensions==4.16.0
urllib3==2.8.0
uvicorn==0.54.0
uvloop==0.23.0
watchfiles==1.3.0
websockets==17.4
wrapt==2.5.2
REQ
)"
STAMP="$VENV/.installed-$(printf '%s' "$REQUIREMENTS" | sha256sum | cut -c1-16)"

if [[ -x "$VENV/bin/python" && -f "$STAMP" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

PYTHON=""
for candidate in "${BIGQUERY_EMULATOR_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
  [[ -n "$candidate" ]] || continue
  if command -v "$candidate" >/dev/null 2>&1 &&
    "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    PYTHON="$(command -v "$candidate")"
    break
  fi
done
if [[ -z "$PYTHON" ]]; then
  echo "install-bigquery-emulator: Python >= 3.11 is required" >&2
  exit 1
fi

rm -rf "$VENV"
mkdir -p "$DIR"
"$PYTHON" -m venv "$VENV" >&2
printf '%s\n' "$REQUIREMENTS" >"$DIR/requirements.txt"
nice -n 10 "$VENV/bin/pip" install --disable-pip-version-check --no-input -q -r "$DIR/requirements.txt" >&2
"$VENV/bin/python" -c 'import bqemulator, duckdb' >&2
touch "$STAMP"
echo "$VENV/bin/python"
