" Compiler file: `:make` runs `voronka check` and reads its messages,
"   file:line:col: error: message [id]
"   file:line:col: warning: message [id]
"   file:line:col: note: message
" into the quickfix list (source lines and carets are skipped). Columns are
" counted in bytes (`--columns bytes`), as `%c` wants on Cyrillic lines; a
" "did you mean" note carries its message's location.
if exists('current_compiler')
  finish
endif
let current_compiler = 'voronka'

if exists(':CompilerSet') != 2
  command -nargs=* CompilerSet setlocal <args>
endif

let s:cpo_save = &cpo
set cpo&vim

CompilerSet makeprg=voronka\ check\ --color\ never\ --columns\ bytes\ %:S
CompilerSet errorformat=%f:%l:%c:\ %trror:\ %m,
                       \%f:%l:%c:\ %tarning:\ %m,
                       \%f:%l:%c:\ %tote:\ %m,
                       \%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save
