" Indent file for Voronka funnels: two spaces per `{`, as `voronka fmt` lays them out.
if exists('b:did_indent')
  finish
endif
let b:did_indent = 1

setlocal indentexpr=FunnelIndent(v:lnum)
setlocal indentkeys=0{,0},!^F,o,O,0=else
setlocal autoindent nosmartindent nocindent

let b:undo_indent = 'setlocal indentexpr< indentkeys< autoindent< smartindent< cindent<'

if exists('*FunnelIndent')
  finish
endif

" Is the character at (line, col) inside a string, a text block or a comment?
function! s:InStringOrComment(lnum, col) abort
  let name = synIDattr(synID(a:lnum, a:col, 0), 'name')
  return name =~# 'funnel\%(String\|TextBlock\|Comment\|Interpolation\|Escape\)'
endfunction

" Braces opened minus braces closed on a line, outside strings and comments.
function! s:BraceBalance(lnum) abort
  let line = getline(a:lnum)
  let balance = 0
  let i = 0
  while i < len(line)
    let c = line[i]
    if (c ==# '{' || c ==# '}') && !s:InStringOrComment(a:lnum, i + 1)
      let balance += c ==# '{' ? 1 : -1
    endif
    let i += 1
  endwhile
  return balance
endfunction

function! FunnelIndent(lnum) abort
  " Inside a text block or a block comment the indentation is the author's: keep it.
  if synIDattr(synID(a:lnum, 1, 0), 'name') =~# 'funnel\%(TextBlock\|Comment\)'
    return -1
  endif
  let prev = prevnonblank(a:lnum - 1)
  if prev == 0
    return 0
  endif
  let ind = indent(prev)
  " A line that ended with more `{` than `}` opens a block.
  let balance = s:BraceBalance(prev)
  " Its leading `}` were already counted by that line's own indent.
  let leading = matchstr(getline(prev), '^\s*\zs}*')
  let ind += shiftwidth() * (balance + len(leading))
  " A line that starts with `}` closes one.
  let closing = matchstr(getline(a:lnum), '^\s*\zs}*')
  let ind -= shiftwidth() * len(closing)
  return max([ind, 0])
endfunction
