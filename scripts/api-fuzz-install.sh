#!/usr/bin/env bash
# Installs schemathesis (PyPI) for `npm run test:api-fuzz` into a virtualenv under .cache/ (gitignored).
# Idempotent: a venv that already has this version is left alone (a second run takes well under a second).
# The full pinned set is what the fuzz run was last checked with, so a new release of a dependency
# cannot change what CI generates or accepts.
#
# Prints the schemathesis executable's path on success.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.cache/schemathesis/venv"
VERSION=4.32.0

REQUIREMENTS="$(cat <<'REQ'
anyio==4.16.0
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
graphql-core==3.3.2
harfile==0.6.0
hypothesis==6.170.17
hypothesis-graphql==0.13.5
idna==3.20
iniconfig==2.3.1
jsonschema_rs==0.59.0
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
packaging==26.4
pluggy==1.7.0
Pygments==2.21.0
pyrate-limiter==4.5.1
pytest==9.2.0
PyYAML==6.0.4
requests==2.34.2
rich==15.0.0
schemathesis==4.32.0
sortedcontainers==2.4.0
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9
REQ
)"

if [ -x "$VENV/bin/schemathesis" ] && "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "$VENV/bin/schemathesis"
  exit 0
fi

PYTHON="${PYTHON:-$(command -v python3)}"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
printf '%s\n' "$REQUIREMENTS" > "$VENV/requirements.txt"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: --no-deps -r "$VENV/requirements.txt" >&2
"$VENV/bin/schemathesis" --version >&2
echo "$VENV/bin/schemathesis"
