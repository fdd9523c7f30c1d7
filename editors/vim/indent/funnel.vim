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
  if line !~# '[{}]'
    return 0
  endif
  if line !~# '["/]'  " no string, no comment: count them as they are
    return len(substitute(line, '[^{]', '', 'g')) - len(substitute(line, '[^}]', '', 'g'))
  endif
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

" The line where the code around line `lnum` starts: for a line inside or at
" the end of a block comment or a text block, the line that opened it (its
" own indentation is the author's and says nothing about the code's).
function! s:CodeLine(lnum) abort
  " Reached from the code below it, such a line ends the comment or the text
  " block: `*/` or `"""` is on it (this spares most lines a slow synID).
  if getline(a:lnum) !~# '\*/\|"""'
    return a:lnum
  endif
  let col = match(getline(a:lnum), '\S') + 1
  if col == 0
    return a:lnum
  endif
  let name = synIDattr(synID(a:lnum, col, 0), 'name')
  let opener = name =~# 'funnelComment' ? '/\*' : name =~# 'funnelTextBlock' ? '"""' : ''
  if opener ==# '' || strpart(getline(a:lnum), col - 1, 2) ==# '//'
    return a:lnum
  endif
  if opener ==# '/\*' && strpart(getline(a:lnum), col - 1, 2) ==# '/*'
    return a:lnum
  endif
  let save = getpos('.')
  call cursor(a:lnum, col)
  let found = search(opener, 'bnW')
  call setpos('.', save)
  return found > 0 ? found : a:lnum
endfunction

" Does the code of line `lnum` end with `,` (a trailing `//` comment aside)?
function! s:EndsWithComma(lnum) abort
  let line = getline(a:lnum)
  if stridx(line, ',') < 0
    return 0
  endif
  let cut = stridx(line, '//')
  while cut >= 0 && !s:InStringOrComment(a:lnum, cut + 1)
    let cut = stridx(line, '//', cut + 2)
  endwhile
  let code = substitute(cut >= 0 ? strpart(line, 0, cut) : line, '\s*$', '', '')
  return code =~# ',$' && !s:InStringOrComment(a:lnum, len(code))
endfunction

" The previous line of code before `lnum` (blank lines and comments skipped
" back to where they start), or 0.
function! s:PrevCode(lnum) abort
  let prev = prevnonblank(a:lnum - 1)
  return prev == 0 ? 0 : s:CodeLine(prev)
endfunction

" Items whose list goes on over lines lined up under the first value, as
" `voronka fmt` lays them out: `holidays 2026-01-01,` / `         2026-05-01`.
let s:hanging = ['holidays', 'workhours', 'fields']

" The first line of the item that line `lnum` belongs to. `voronka fmt`
" indents the lines that continue an item (`on enter` / `    when budget > 0`)
" four or more columns deeper than the item; a block's first item starts two
" columns in from the line with `{`. Looks back a bounded number of lines.
function! s:ItemStart(lnum) abort
  let line = a:lnum
  let budget = 60
  while budget > 0
    if getline(line) =~# '^\s*[})]'
      return line
    endif
    " Back over the other lines that continue the same item.
    let b = s:PrevCode(line)
    while b > 0 && budget > 0 && indent(b) > indent(line) - 4 && s:BraceBalance(b) <= 0
          \ && getline(b) !~# '^\s*[})]'
      let b = s:PrevCode(b)
      let budget -= 1
    endwhile
    if b == 0 || s:BraceBalance(b) > 0 || indent(b) > indent(line) - 4 || getline(b) =~# '^\s*[})]'
      return line
    endif
    let line = b
    let budget -= 1
  endwhile
  return line
endfunction

function! FunnelIndent(lnum) abort
  " Inside a text block or a block comment the indentation is the author's: keep it.
  if synIDattr(synID(a:lnum, 1, 0), 'name') =~# 'funnel\%(TextBlock\|Comment\)'
    return -1
  endif
  let prev = s:PrevCode(a:lnum)
  if prev == 0
    return 0
  endif
  let current = getline(a:lnum)
  let closing = matchstr(current, '^\s*\zs}*')

  " Inside `( … )` written over lines (event parameters): the first line one
  " step in from the line of `(`, and `)` back under it.
  let save = getpos('.')
  call cursor(a:lnum, 1)
  " (Only 50 lines back: parameter lists are short, and synID far away is
  " slow; without the skip first, so most lines need no synID at all.)
  let stop = max([1, a:lnum - 50])
  let open = searchpair('(', '', ')', 'bnW', '', stop)
  if open > 0
    let open = searchpair('(', '', ')', 'bnW', 's:InStringOrComment(line("."), col("."))', stop)
  endif
  call setpos('.', save)
  if open > 0 && current =~# '^\s*)'
    return indent(open)
  endif
  if open > 0 && prev == open
    return getline(open) =~# '(\s*\%(//.*\)\=$' ? indent(open) + shiftwidth() : -1
  endif

  " A list of `holidays`, `workhours` or `fields` going on over lines.
  let start = prev
  while open == 0
    let before = s:PrevCode(start)
    if before == 0 || !s:EndsWithComma(before)
      break
    endif
    let start = before
  endwhile
  let keyword = matchstr(getline(start), '^\s*\zs\h\w*')
  if open == 0 && index(s:hanging, keyword) >= 0 && s:EndsWithComma(prev)
    return indent(start) + len(keyword) + 1
  endif

  " The item the previous line belongs to; a line four or more columns
  " deeper than it, after a line that opens no block, continues that item:
  " its indentation is the author's (and `voronka fmt`'s).
  let base = open > 0 ? prev : s:ItemStart(prev)
  let balance = s:BraceBalance(prev)
  if balance <= 0 && closing ==# '' && indent(a:lnum) >= indent(base) + 4
        \ && getline(prev) !~# '^\s*}'
    return -1
  endif
  let ind = indent(base)
  " Its leading `}` were already counted by that line's own indent.
  let leading = matchstr(getline(base), '^\s*\zs}*')
  " A line that ended with more `{` than `}` opens a block.
  let ind += shiftwidth() * (balance + len(leading))
  " A line that starts with `}` closes one.
  let ind -= shiftwidth() * len(closing)
  return max([ind, 0])
endfunction
