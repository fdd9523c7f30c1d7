#!/bin/sh
# Runs the TextMate grammar tests (tests/editors/tmgrammar/*.funnel) with
# vscode-tmgrammar-test, installed from editors/vscode/package-lock.json.
# Skips (exit 77) when node or the tool is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ext=$(cd "$here/../../editors/vscode" && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node/npm are not installed; the TextMate grammar was not tested (scripts/deps.sh installs them)"
  exit 77
fi
bin="$ext/node_modules/.bin/vscode-tmgrammar-test"
# The test tool comes from the npm registry. `make test` downloads nothing
# (the stack is Debian's packages), so it runs only where a developer has
# installed it: `npm ci` in editors/vscode (pinned by package-lock.json).
if [ ! -x "$bin" ]; then
  echo "SKIP: vscode-tmgrammar-test is not installed; run 'npm ci' in editors/vscode to test the TextMate grammar"
  exit 77
fi
cd "$ext"
"$bin" -g syntaxes/funnel.tmLanguage.json "$here/tmgrammar/*.funnel"
