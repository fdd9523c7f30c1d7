#!/usr/bin/env bash
# Installs the Debian 12 packages Voronka needs, only those missing.
# Safe to run again: with everything present it does nothing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config python3
  antlr4 libantlr4-runtime-dev default-jre-headless
  llvm-14-tools llvm-14-dev
  libfmt-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libsqlite3-dev sqlite3 libpq-dev
  libcpp-httplib-dev nlohmann-json3-dev libcli11-dev libhowardhinnant-date-dev tzdata
  libcurl4-openssl-dev liblua5.4-dev graphviz
  libtomlplusplus-dev python3-jsonschema
  libmimalloc-dev
  clang-format
)

# Editors' tests: vim for editors/vim. (The TextMate grammar's test tool
# comes from npm and is not installed here: see tests/editors/tmgrammar_test.sh.)
packages+=(vim)

# The PostgreSQL store's tests start a throwaway server of their own
# (tests/store/pg_test_server.h): initdb and pg_ctl from Debian's server package.
packages+=(postgresql-15)

# The web console's browser test (tests/console/browser_test.py) drives
# headless Chromium through its driver with Selenium.
packages+=(chromium chromium-driver python3-selenium)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
  # Package lists may be stale or empty on a fresh machine.
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
