" Compiler file: `:make` runs `voronka check` and reads its messages,
"   file:line:col: error: message [id]
"   file:line:col: warning: message [id]
"   file:line:col: note: message
" into the quickfix list (source lines and carets are skipped).
if exists('current_compiler')
  finish
endif
let current_compiler = 'voronka'

if exists(':CompilerSet') != 2
  command -nargs=* CompilerSet setlocal <args>
endif

let s:cpo_save = &cpo
set cpo&vim

CompilerSet makeprg=voronka\ check\ --color\ never\ %:S
CompilerSet errorformat=%f:%l:%c:\ %trror:\ %m,
                       \%f:%l:%c:\ %tarning:\ %m,
                       \%f:%l:%c:\ %tote:\ %m,
                       \%-G%.%#

let &cpo = s:cpo_save
unlet s:cpo_save
