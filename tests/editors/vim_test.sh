#!/bin/sh
# Runs vim_test.vim against editors/vim. Skips (exit 77) when vim is absent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v vim >/dev/null 2>&1; then
  echo "SKIP: vim is not installed; editors/vim was not tested"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$here/vim_sample.funnel" "$tmp/sample.funnel"
status=0
VIM_TEST_DIR="$tmp" VIM_TEST_LOG="$tmp/log" HOME="$tmp" \
  vim -Nu NONE -i NONE -es -c "set rtp^=$root/editors/vim" -S "$here/vim_test.vim" </dev/null >/dev/null 2>&1 || status=$?
if [ -f "$tmp/log" ]; then cat "$tmp/log"; else echo "vim wrote no log (exit $status)"; status=1; fi
exit $status
