#!/bin/sh
# Runs vim_test.vim against editors/vim. Skips (exit 77) when vim is absent.
#   vim_test.sh [VORONKA]   (the binary `:make` and `gq` run; default: on PATH)
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
if [ $# -ge 1 ]; then
  bin=$(cd "$(dirname "$1")" && pwd)
  PATH="$bin:$PATH"
  export PATH
fi
# Every .funnel file of the repository that parses, as `voronka fmt` lays it out.
mkdir "$tmp/all"
n=0
for f in $(cd "$root" && find . -name '*.funnel' -not -path './build*' -not -path '*/node_modules/*' | sort); do
  n=$((n + 1))
  if voronka fmt - <"$root/$f" >"$tmp/all/$n.funnel" 2>/dev/null; then
    echo "$f" >"$tmp/all/$n.funnel.name"
  else
    rm -f "$tmp/all/$n.funnel"
  fi
done
status=0
VIM_TEST_DIR="$tmp" VIM_TEST_LOG="$tmp/log" HOME="$tmp" \
  vim -Nu NONE -i NONE -es -c "set rtp^=$root/editors/vim" -S "$here/vim_test.vim" </dev/null >/dev/null 2>&1 || status=$?
if [ -f "$tmp/log" ]; then cat "$tmp/log"; else echo "vim wrote no log (exit $status)"; status=1; fi
# Neovim (0.7 and later) runs the same checks, but for the all-files indent
# loop (the indent file is the same; once is enough).
if command -v nvim >/dev/null 2>&1; then
  echo "-- neovim $(nvim --version | head -1)"
  rm -f "$tmp/log"
  nstatus=0
  VIM_TEST_DIR="$tmp" VIM_TEST_LOG="$tmp/log" VIM_TEST_QUICK=1 HOME="$tmp" XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" \
    nvim --headless -u NONE -i NONE -c "set rtp^=$root/editors/vim" -S "$here/vim_test.vim" </dev/null >/dev/null 2>&1 || nstatus=$?
  if [ -f "$tmp/log" ]; then cat "$tmp/log"; else echo "nvim wrote no log (exit $nstatus)"; nstatus=1; fi
  [ $nstatus -eq 0 ] || status=$nstatus
  # docs/editors.md's Neovim 0.7 snippet starts `voronka lsp` and gets diagnostics.
  mkdir "$tmp/nv" && : >"$tmp/nv/voronka.toml" && printf 'field budget: mony "B"\n' >"$tmp/nv/a.funnel"
  python3 - "$root/docs/editors.md" "$tmp/nv/init.lua" "$root/editors/vim" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("```lua", text.index("Neovim 0.7 (Debian 12")) + len("```lua")
snippet = text[start:text.index("```", start)]
open(sys.argv[2], "w", encoding="utf-8").write(
    f"vim.cmd('set rtp^={sys.argv[3]}')\nvim.cmd('filetype on')\n" + snippet)
PY
  (cd "$tmp/nv" && HOME="$tmp" XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" timeout 60 nvim --headless -u init.lua -i NONE \
    -c 'edit a.funnel' -c 'call wait(10000, {-> !empty(v:lua.vim.diagnostic.get(0))})' \
    -c "call writefile(map(v:lua.vim.diagnostic.get(0), 'v:val.message'), 'out')" -c 'qall!' </dev/null >/dev/null 2>&1) || true
  if grep -q 'unknown type `mony`' "$tmp/nv/out" 2>/dev/null; then
    echo "ok   docs/editors.md's Neovim 0.7 snippet: diagnostics from voronka lsp"
  else
    echo "FAIL docs/editors.md's Neovim 0.7 snippet gave no diagnostics"
    status=1
  fi
fi
exit $status
