// The `wordPattern` of editors/vscode/language-configuration.json, compiled
// the way VS Code compiles it, must select whole words: Cyrillic names,
// names with digits and `_`, numbers with `_` separators.
//
//   node tests/editors/vscode_word_pattern_test.js REPO_ROOT
//
// VS Code reads a string pattern as `new RegExp(text)`, without the `u`
// flag, so `\p{L}` there means the letters p, {, L and }; only the object
// form `{ "pattern": …, "flags": "u" }` keeps Unicode classes. Word lookup
// then adds `g` and keeps the other flags.
'use strict';
const fs = require('fs');
const path = require('path');

const root = process.argv[2] || path.join(__dirname, '..', '..');
const config = JSON.parse(fs.readFileSync(path.join(root, 'editors/vscode/language-configuration.json'), 'utf8'));

function compileAsVsCode(value) {
  if (typeof value === 'string') return new RegExp(value);
  return new RegExp(value.pattern, value.flags || '');
}

// The word that holds column `at` of `line` (what double-click selects).
function wordAt(regex, line, at) {
  const global = new RegExp(regex.source, regex.flags.includes('g') ? regex.flags : regex.flags + 'g');
  for (const m of line.matchAll(global)) {
    if (m.index <= at && at <= m.index + m[0].length) return m[0];
  }
  return null;
}

const cases = [
  ['stage выбор_клиента "Выбор"', 'выбор_клиента'],
  ['  on enter when deal.бюджет > 0', 'бюджет'],
  ['field ёлка2: number', 'ёлка2'],
  ['team sales "Отдел" { ivanov "Иван" }', 'ivanov'],
  ['require budget > 100_000', '100_000'],
  ['stage p1 "П"', 'p1'],
];

let failed = 0;
let regex;
try {
  regex = compileAsVsCode(config.wordPattern);
} catch (e) {
  console.log(`FAIL the wordPattern does not compile: ${e.message}`);
  process.exit(1);
}
for (const [line, word] of cases) {
  const at = line.indexOf(word) + 1;
  const got = wordAt(regex, line, at);
  if (got === word) {
    console.log(`ok   ${word}`);
  } else {
    console.log(`FAIL in ${JSON.stringify(line)} the word at column ${at} is ${JSON.stringify(got)}, not ${JSON.stringify(word)}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
