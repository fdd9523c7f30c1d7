" Autoload functions of the Voronka funnel plugin.

" 'formatexpr': `gq` formats with `voronka fmt -`. The formatter lays out
" whole files, so any `gq` formats the whole buffer (only the lines that
" change are replaced). A file with syntax errors is left as it is and the
" first error is shown: 'formatprg' would have replaced the text with the
" error messages. In Insert mode (automatic wrapping of comments at
" 'textwidth') Vim's own formatting runs.
function! funnel#Format() abort
  if mode() =~# '[iR]'
    return 1
  endif
  let program = get(g:, 'voronka_command', 'voronka')
  if !executable(program)
    echohl ErrorMsg | echomsg 'voronka: ' . program . ' is not on PATH (g:voronka_command)' | echohl None
    return 0
  endif
  let before = getline(1, '$')
  let after = systemlist(shellescape(program) . ' fmt --color never -', before)
  if v:shell_error != 0
    let first = filter(copy(after), 'v:val =~# ''error:''')
    echohl ErrorMsg
    echomsg 'voronka fmt: not formatted: ' . (empty(first) ? join(after, ' ') : substitute(first[0], '^<stdin>:', 'line ', ''))
    echohl None
    return 0
  endif
  if after ==# before
    return 0
  endif
  " Replace only the lines between the common head and tail.
  let head = 0
  while head < len(before) && head < len(after) && before[head] ==# after[head]
    let head += 1
  endwhile
  let tail = 0
  while tail < len(before) - head && tail < len(after) - head
        \ && before[-1 - tail] ==# after[-1 - tail]
    let tail += 1
  endwhile
  let view = winsaveview()
  let old_count = len(before) - head - tail
  let new_lines = after[head : len(after) - tail - 1]
  if old_count > 0
    silent execute 'keepjumps ' . (head + 1) . ',' . (head + old_count) . 'delete _'
  endif
  if !empty(new_lines)
    call append(head, new_lines)
  endif
  call winrestview(view)
  return 0
endfunction
