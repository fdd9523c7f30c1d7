#!/usr/bin/env python3
"""docs/bytecode.md lists every opcode of runtime/bytecode/opcodes.def, and nothing else.

usage: check_bytecode_doc.py SOURCE_DIR"""
import re
import sys

root = sys.argv[1]
declared = [m.group(1) for m in re.finditer(r'^OPCODE\((\w+),', open(f'{root}/runtime/bytecode/opcodes.def').read(), re.M)]
documented = re.findall(r'^\| `(\w+)` \|', open(f'{root}/docs/bytecode.md').read(), re.M)
missing = [op for op in declared if op not in documented]
extra = [op for op in documented if op not in declared]
if missing or extra or documented != declared:
    if missing:
        print('docs/bytecode.md does not list: ' + ', '.join(missing))
    if extra:
        print('docs/bytecode.md lists opcodes that do not exist: ' + ', '.join(extra))
    if not missing and not extra:
        print('docs/bytecode.md lists the opcodes in another order than opcodes.def')
    sys.exit(1)
print(f'{len(declared)} opcodes documented')
