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

" `gq` formats the file with `voronka fmt` and leaves it alone when it has
" syntax errors (autoload/funnel.vim).
setlocal formatexpr=funnel#Format()

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< expandtab< shiftwidth< softtabstop< tabstop<'
      \ . ' iskeyword< suffixesadd< matchpairs< formatexpr< makeprg< errorformat<'

let &cpo = s:cpo_save
unlet s:cpo_save
