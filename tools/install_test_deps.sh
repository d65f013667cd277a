#!/usr/bin/env bash
# What the test suite needs beyond the Python environment, installed when missing (make test and
# make test-fast call this; .ci/run calls make test):
#   - Debian's chromium: the dashboard test drives it through Playwright (never a downloaded browser);
#   - Node.js and npm, and the dashboard's Node packages (npm ci when dashboard/node_modules is missing
#     or older than dashboard/package-lock.json): the dashboard is built with Observable Framework;
#   - PostgreSQL (initdb, pg_ctl, postgres under /usr/lib/postgresql/*/bin): the lake tests start one.
# Debian packages need root: as root, apt-get update once and install only what is missing; otherwise
# print the exact command and fail.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)

if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "install_test_deps: the tests need Debian packages that are missing: ${missing[*]}" >&2
    echo "install_test_deps: run as root:  apt-get update && $cmd" >&2
    exit 1
  fi
  echo "install_test_deps: installing ${missing[*]} from the Debian archive" >&2
  apt-get update
  DEBIAN_FRONTEND=noninteractive $cmd
fi

# The dashboard's Node packages, exactly as package-lock.json pins them; npm ci writes
# node_modules/.package-lock.json, the stamp ingestion/publish/dashboard.py compares too.
stamp=dashboard/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ dashboard/package-lock.json -nt "$stamp" ]; then
  echo "install_test_deps: npm ci in dashboard/ (node_modules missing or older than package-lock.json)" >&2
  (cd dashboard && npm ci --no-audit --no-fund)
fi
