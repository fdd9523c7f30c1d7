" Filetype plugin for Voronka funnels (.funnel).
if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=//\ %s
setlocal comments=s1:/*,mb:*,ex:*/,://
setlocal formatoptions-=t formatoptions+=croql
setlocal expandtab shiftwidth=2 softtabstop=2 tabstop=8
setlocal iskeyword=@,48-57,_,192-255
setlocal suffixesadd=.funnel
setlocal matchpairs+=<:>

" `:make` runs `voronka check` on this file and fills the quickfix list.
compiler voronka

" `gq` formats with `voronka fmt` (the whole file: `gggqG`).
if executable('voronka')
  setlocal formatprg=voronka\ fmt\ -
endif

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< tabstop<'
      \ . ' iskeyword< suffixesadd< matchpairs< formatprg< makeprg< errorformat<'

let &cpo = s:cpo_save
unlet s:cpo_save
