#!/bin/sh
# Packages the VS Code extension the way `make vsix` does (stdin closed, so a
# vsce prompt fails the test instead of waiting) and checks the VSIX holds
# exactly the files an installed extension needs: one bundled extension.js,
# the grammar, the language configuration, the icon, README and LICENSE.
# Skips (exit 77) when node or the npm packages are not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ext=$(cd "$here/../../editors/vscode" && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v unzip >/dev/null 2>&1; then
  echo "SKIP: node or unzip is not installed; the VSIX was not built"
  exit 77
fi
if [ ! -x "$ext/node_modules/.bin/vsce" ] || [ ! -x "$ext/node_modules/.bin/esbuild" ]; then
  echo "SKIP: vsce/esbuild are not installed; run 'npm ci' in editors/vscode (or 'make vsix')"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$ext"
if ! npm run --silent bundle >"$tmp/log" 2>&1 ||
   ! node_modules/.bin/vsce package --no-dependencies --allow-missing-repository \
       --out "$tmp/x.vsix" </dev/null >>"$tmp/log" 2>&1; then
  cat "$tmp/log"
  echo "FAIL: the VSIX was not built non-interactively"
  exit 1
fi
unzip -Z1 "$tmp/x.vsix" | sort >"$tmp/files"
cat >"$tmp/expected" <<'LIST'
[Content_Types].xml
extension.vsixmanifest
extension/LICENSE.txt
extension/dist/extension.js
extension/images/icon.png
extension/language-configuration.json
extension/package.json
extension/readme.md
extension/syntaxes/funnel.tmLanguage.json
LIST
sort -o "$tmp/expected" "$tmp/expected"
if ! diff -u "$tmp/expected" "$tmp/files"; then
  echo "FAIL: the VSIX holds other files than the list above (- missing, + extra)"
  exit 1
fi
# The bundle must load without node_modules: only `vscode` stays external.
unzip -p "$tmp/x.vsix" extension/dist/extension.js >"$tmp/extension.js"
if grep -q 'require("vscode-languageclient' "$tmp/extension.js"; then
  echo "FAIL: dist/extension.js requires vscode-languageclient at run time (not bundled)"
  exit 1
fi
# A workspace must not pick the program the extension runs.
unzip -p "$tmp/x.vsix" extension/package.json >"$tmp/package.json"
node -e '
const p = require(process.argv[1]);
const props = p.contributes.configuration.properties;
const problems = [];
if (props["voronka.path"].scope !== "machine") problems.push("voronka.path is not machine-scoped");
const untrusted = (p.capabilities || {}).untrustedWorkspaces || {};
if (!(untrusted.restrictedConfigurations || []).includes("voronka.path")) problems.push("voronka.path is not restricted in untrusted workspaces");
if (p.license !== "Apache-2.0") problems.push("license is " + p.license);
if (!p.icon) problems.push("no icon");
for (const m of problems) console.log("FAIL: " + m);
process.exit(problems.length ? 1 : 0);
' "$tmp/package.json"
echo "ok: $(wc -l <"$tmp/files") files in the VSIX, extension.js bundled"
