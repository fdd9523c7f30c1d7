#!/bin/sh
# Runs the TextMate grammar tests (tests/editors/tmgrammar/*.funnel) with
# vscode-tmgrammar-test, installed from editors/vscode/package-lock.json.
# Skips (exit 77) only when node is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ext=$(cd "$here/../../editors/vscode" && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node/npm are not installed; the TextMate grammar was not tested (scripts/deps.sh installs them)"
  exit 77
fi
bin="$ext/node_modules/.bin/vscode-tmgrammar-test"
if [ ! -x "$bin" ] || [ "$ext/package-lock.json" -nt "$ext/node_modules/.package-lock.json" ]; then
  echo "installing the test tools: npm ci in editors/vscode"
  if ! (cd "$ext" && npm ci --no-audit --no-fund --loglevel=error); then
    echo "FAIL: npm ci failed in editors/vscode (is the npm registry reachable?)"
    exit 1
  fi
fi
cd "$ext"
"$bin" -g syntaxes/funnel.tmLanguage.json "$here/tmgrammar/*.funnel"
