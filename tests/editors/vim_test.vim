" Checks editors/vim headless: filetype detection, syntax groups, indentation
" and the errorformat. Run by vim_test.sh:
"   vim -Nu NONE -i NONE -es -c 'set rtp^=editors/vim' -S vim_test.vim
" Writes one line per check to $VIM_TEST_LOG and exits non-zero on failure.
let s:failures = []
let s:log = []

function! s:Check(name, ok, detail) abort
  if a:ok
    call add(s:log, 'ok   ' . a:name)
  else
    call add(s:log, 'FAIL ' . a:name . ': ' . a:detail)
    call add(s:failures, a:name)
  endif
endfunction

" The syntax group at the first occurrence of `pattern` (plus `offset` columns) in the buffer.
function! s:GroupAt(pattern, offset) abort
  call cursor(1, 1)
  let pos = searchpos(a:pattern, 'cW')
  if pos == [0, 0]
    return '(not found: ' . a:pattern . ')'
  endif
  return synIDattr(synID(pos[0], pos[1] + a:offset, 1), 'name')
endfunction

filetype plugin indent on
syntax on

let s:dir = fnamemodify(expand('$VIM_TEST_DIR'), ':p')
execute 'edit ' . fnameescape(s:dir . 'sample.funnel')
call s:Check('ftdetect sets the filetype', &filetype ==# 'funnel', &filetype)
call s:Check('ftplugin sets commentstring', &commentstring ==# '// %s', &commentstring)
call s:Check('ftplugin sets shiftwidth 2 with spaces', &shiftwidth == 2 && &expandtab, &shiftwidth)
call s:Check('compiler sets makeprg to voronka check', &makeprg =~# '^voronka check', &makeprg)

let s:expect = [
      \ ['\<pipeline\>', 0, 'funnelDeclaration'],
      \ ['\<stage\> incoming', 0, 'funnelDeclaration'],
      \ ['\<initial\>', 0, 'funnelContextual'],
      \ ['\<on enter', 0, 'funnelRule'],
      \ ['\<assign\>', 0, 'funnelAction'],
      \ ['\<within\>', 0, 'funnelContextual'],
      \ ['"Разобрать', 1, 'funnelString'],
      \ ['{contact', 0, 'funnelInterpolationDelimiter'],
      \ ['{contact', 1, 'funnelInterpolation'],
      \ ['\\{', 0, 'funnelEscape'],
      \ ['1d12h', 0, 'funnelDuration'],
      \ ['10:00', 0, 'funnelTime'],
      \ ['2026-01-01', 0, 'funnelDate'],
      \ ['2026-03-02T10:00', 0, 'funnelDateTime'],
      \ ['100_000', 0, 'funnelNumber'],
      \ ['3days', 0, 'funnelBadNumber'],
      \ ['// a trailing', 3, 'funnelComment'],
      \ ['/\* block', 3, 'funnelComment'],
      \ ['Здравствуйте', 0, 'funnelTextBlock'],
      \ ['-> choose', 3, 'funnelStageRef'],
      \ ['move выбор', 5, 'funnelStageRef'],
      \ ['deal\.budget', 5, 'funnelFieldRef'],
      \ ['money', 0, 'funnelType'],
      \ ['incoming', 0, 'funnelDeclName'],
      \ ['\<if\>', 0, 'funnelConditional'],
      \ ['\<none\>', 0, 'funnelConstant'],
      \ ['\<true\>', 0, 'funnelBoolean'],
      \ ['> 0 and', 4, 'funnelOperator'],
      \ ]
for [pattern, offset, group] in s:expect
  let got = s:GroupAt(pattern, offset)
  call s:Check('syntax: ' . pattern . ' is ' . group, got ==# group, 'got ' . got)
endfor

" Re-indenting a formatted file (braces only, no continuation lines) changes nothing.
let s:before = getline(1, '$')
normal! gg=G
let s:after = getline(1, '$')
let s:diff = ''
for i in range(len(s:before))
  if s:before[i] !=# get(s:after, i, '')
    let s:diff = 'line ' . (i + 1) . ': "' . get(s:after, i, '') . '" instead of "' . s:before[i] . '"'
    break
  endif
endfor
call s:Check('indent: gg=G keeps the formatted layout', s:diff ==# '', s:diff)

" Every .funnel file of the repository, as `voronka fmt` lays it out
" (vim_test.sh writes them to $VIM_TEST_DIR/all/): gg=G changes nothing.
let s:all = empty($VIM_TEST_QUICK) ? glob(s:dir . 'all/*.funnel', 0, 1) : []
let s:moved = []
for s:file in s:all
  execute 'edit! ' . fnameescape(s:file)
  let s:before = getline(1, '$')
  silent normal! gg=G
  let s:after = getline(1, '$')
  for i in range(len(s:before))
    if s:before[i] !=# s:after[i]
      call add(s:moved, readfile(s:file . '.name')[0] . ':' . (i + 1) . ': "' . s:after[i] . '" instead of "' . s:before[i] . '"')
      break
    endif
  endfor
endfor
if empty($VIM_TEST_QUICK)
  call s:Check('indent: gg=G keeps the layout of all ' . len(s:all) . ' formatted repository files',
        \ len(s:all) > 100 && empty(s:moved), len(s:all) . ' files; ' . join(s:moved, '; '))
endif
execute 'edit! ' . fnameescape(s:dir . 'sample.funnel')

" `:make` with the compiler plugin on a Cyrillic line: the quickfix column is
" the byte column Vim's %c wants, and "did you mean" keeps a location.
let s:cyr = s:dir . 'cyrillic.funnel'
call writefile(['pipeline p "П" {', '  stage incoming "Вход" initial {',
      \ '    on enter { note "Ёлки — далее" move chose }', '  }', '  stage choose "Выбор" key', '  won "W"',
      \ '  lost "L"', '}'], s:cyr)
execute 'edit! ' . fnameescape(s:cyr)
compiler voronka
silent make!
let s:qf = filter(getqflist(), 'v:val.valid')
call s:Check(':make: the error and its "did you mean" note in quickfix', len(s:qf) == 2, string(s:qf))
if len(s:qf) >= 1
  call s:Check(':make: the column of `chose` on a Cyrillic line', s:qf[0].lnum == 3
        \ && strpart(getline(3), s:qf[0].col - 1, 5) ==# 'chose', string(s:qf[0]))
endif
if len(s:qf) == 2
  call s:Check(':make: the note is located and says "did you mean"', s:qf[1].lnum == 3
        \ && s:qf[1].text =~# 'did you mean', string(s:qf[1]))
endif

" `gq` formats with `voronka fmt`; on a syntax error the buffer stays as it was.
let s:broken = ['pipeline p "P" {', '     stage a "A" initial {', '    on enter { move }', '  stage b "Б"']
call writefile(s:broken, s:dir . 'broken.funnel')
execute 'edit! ' . fnameescape(s:dir . 'broken.funnel')
silent! normal! gggqG
call s:Check('gq: a file with a syntax error is left alone', getline(1, '$') ==# s:broken, string(getline(1, '$')))
let s:messy = ['field   budget: money "Бюджет"', 'pipeline p "P" {', '      stage a "А" initial', '  won   "W"',
      \ '  lost "L"', '}']
call writefile(s:messy, s:dir . 'messy.funnel')
execute 'edit! ' . fnameescape(s:dir . 'messy.funnel')
silent! normal! gggqG
let s:want = systemlist('voronka fmt -', s:messy)
call s:Check('gq: formats the file as voronka fmt does', getline(1, '$') ==# s:want && s:want !=# s:messy,
      \ string(getline(1, '$')) . ' vs ' . string(s:want))
execute 'edit! ' . fnameescape(s:dir . 'sample.funnel')

" Typing a new line after `{` indents; `}` dedents.
call setline(1, ['pipeline p "P" {', '', '}'])
call cursor(2, 1)
call s:Check('indent: a line after `{` is indented', FunnelIndent(2) == 2, FunnelIndent(2))
call s:Check('indent: `}` goes back', FunnelIndent(3) == 0, FunnelIndent(3))

" The errorformat reads `voronka check` output.
let s:output = [
      \ 'retail.funnel:25:24: error: unknown stage `chose` in pipeline `retail` [unknown-name]',
      \ '   25 |     on link_clicked -> chose',
      \ '      |                        ^~~~~',
      \ 'note: did you mean `choose`?',
      \ 'retail.funnel:17:10: note: add `triggers backward: allow` to this pipeline',
      \ 'retail.funnel:3:1: warning: something to look at [some-lint]',
      \ '2 errors',
      \ ]
let s:qf = filter(getqflist({'lines': s:output, 'efm': &l:errorformat}).items, 'v:val.valid')
call s:Check('errorformat: three located messages', len(s:qf) == 3, string(s:qf))
if len(s:qf) == 3
  call s:Check('errorformat: error line and column', s:qf[0].lnum == 25 && s:qf[0].col == 24 && s:qf[0].type ==? 'E'
        \ && s:qf[0].text =~# 'unknown stage', string(s:qf[0]))
  call s:Check('errorformat: note', s:qf[1].lnum == 17 && s:qf[1].type ==? 'n', string(s:qf[1]))
  call s:Check('errorformat: warning', s:qf[2].lnum == 3 && s:qf[2].type ==? 'W', string(s:qf[2]))
endif

call writefile(s:log, expand('$VIM_TEST_LOG'))
if empty(s:failures)
  qall!
else
  cquit!
endif
