" Vim syntax file
" Language:    Voronka funnel (.funnel): sales funnels for amoCRM / Bitrix24 as text
" Maintainer:  the Voronka project
"
" Every keyword of grammar/Funnel.g4 is listed below: reserved words by what
" they start, contextual words (which may also be names) in funnelContextual.
" tests/editors/keywords_test.py fails when one is missing.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

" Names may hold Cyrillic and other letters: Vim counts them as keyword
" characters (`\k`), not as `\w`.
syn iskeyword @,48-57,_,192-255

" ── reserved keywords ─────────────────────────────────────────────────────
syn keyword funnelDeclaration use account field team template form integration event pipeline stage won lost test
syn keyword funnelRule        on after at every then
syn keyword funnelAction      move win lose task complete email message sms webhook request analytics tag set
syn keyword funnelAction      assign create questionnaire note notify split
syn keyword funnelConditional if else
syn keyword funnelStatement   deal advance expect manual
syn keyword funnelOperator    and or not in has
syn keyword funnelBoolean     true false
syn keyword funnelConstant    none next

" ── contextual keywords (also usable as names) ────────────────────────────
syn keyword funnelContextual  initial key require timezone workhours holidays currency calendar reasons other
syn keyword funnelContextual  triggers forward backward allow deny from once when unless while within due to
syn keyword funnelContextual  all overdue today tomorrow comment via with label copy tasks type channel body
syn keyword funnelContextual  subject url fields enum workdays no rejected answers responsible language
syn keyword funnelContextual  later earlier late skip run
syn keyword funnelContextual  first undeliverable
" `contains` is an argument of `:syn keyword`, so it cannot be listed there.
syn match   funnelContextual  "\<contains\>"

" ── built-in events (common/language/events.def) ──────────────────────────
syn keyword funnelEvent       enter leave email_opened link_clicked email_received call_incoming call_missed
syn keyword funnelEvent       call_outgoing form_submitted chat_message task_completed task_overdue
syn keyword funnelEvent       payment_received field_changed responsible_changed tag_added tag_removed
syn keyword funnelEvent       manual_move move_rejected

" ── literals ──────────────────────────────────────────────────────────────
" Longest match as in the lexer. Of matches starting at one place Vim takes
" the one defined last, so the longer forms come last.
" A number running into letters (`3days`) is a mistake: write `3d`.
syn match funnelBadNumber '\<\d[0-9_]*\%(\.\d\+\)\=[^[:digit:][:space:][:punct:]]\k*'
syn match funnelNumber    '\<\d[0-9_]*\%(\.\d\+\)\=\>'
syn match funnelDuration  '\<\%(\d\+[wdhm]\)\+\>'
syn match funnelTime      '\<\d\{1,2}:\d\d\>'
syn match funnelDate      '\<\d\{4}-\d\d-\d\d\>'
syn match funnelDateTime  '\<\d\{4}-\d\d-\d\dT\d\{1,2}:\d\d\>'

" Strings: "…" on one line, """…""" over lines; `{expr}` interpolates, `\{` does not.
syn match  funnelEscape '\\.' contained
syn region funnelInterpolation matchgroup=funnelInterpolationDelimiter start='{' end='}' contained
      \ contains=funnelOperator,funnelBoolean,funnelConstant,funnelStatement,funnelNumber,funnelDuration,funnelFieldRef,funnelConditional,funnelNestedBraces
syn region funnelNestedBraces start='{' end='}' contained transparent contains=funnelNestedBraces
syn region funnelTextBlock start='"""' end='"""' contains=funnelEscape,funnelInterpolation,@Spell
syn region funnelString start='"\%(""\)\@!' skip='\\.' end='"\|$' oneline contains=funnelEscape,funnelInterpolation,@Spell

" ── names ─────────────────────────────────────────────────────────────────
" The name a declaration introduces.
syn match funnelDeclName '\%(\<\%(field\|team\|form\|integration\|event\|pipeline\|stage\|reasons\|calendar\|channel\|enum\)\s\+\)\@<=\k\+'
syn match funnelDeclName '\%(\<template\s\+\%(email\|message\|sms\)\s\+\)\@<=\k\+'
syn match funnelDeclName '\%(\<task\s\+type\s\+\)\@<=\k\+'
" Stage references: after `->`, `move`, `from`, `in`, and `pipeline.stage`.
syn match funnelStageRef '\%(->\s*\|\<move\s\+\|\<from\s\+\)\@<=\k\+\%(\.\k\+\)\='
" Fields of the deal and the contact: `deal.budget`, `contact.name`.
syn match funnelFieldRef '\%(\<\%(deal\|contact\|company\)\.\)\@<=\k\+'
" Types after `:` in fields and event payloads.
syn match funnelType ':\s*\zs\%(number\|money\|text\|bool\|date\|datetime\|duration\|time\|url\|email\|phone\|user\|tags\)\>'

syn match funnelArrow '->'
syn match funnelOperatorSign '==\|!=\|<=\|>=\|[<>=+*/%]'

" ── comments ──────────────────────────────────────────────────────────────
syn keyword funnelTodo TODO FIXME XXX NOTE contained
syn region funnelComment start='//' end='$' keepend contains=funnelTodo,@Spell
syn region funnelComment start='/\*' end='\*/' contains=funnelTodo,@Spell
syn sync ccomment funnelComment minlines=50

hi def link funnelDeclaration            Structure
hi def link funnelRule                   Statement
hi def link funnelAction                 Function
hi def link funnelConditional            Conditional
hi def link funnelStatement              Statement
hi def link funnelOperator               Operator
hi def link funnelOperatorSign           Operator
hi def link funnelArrow                  Operator
hi def link funnelBoolean                Boolean
hi def link funnelConstant               Constant
hi def link funnelContextual             Keyword
hi def link funnelEvent                  Function
hi def link funnelDateTime               Number
hi def link funnelDate                   Number
hi def link funnelTime                   Number
hi def link funnelDuration               Number
hi def link funnelNumber                 Number
hi def link funnelBadNumber              Error
hi def link funnelString                 String
hi def link funnelTextBlock              String
hi def link funnelEscape                 SpecialChar
hi def link funnelInterpolationDelimiter Delimiter
hi def link funnelInterpolation          Identifier
hi def link funnelDeclName               Identifier
hi def link funnelStageRef               Label
hi def link funnelFieldRef               Identifier
hi def link funnelType                   Type
hi def link funnelTodo                   Todo
hi def link funnelComment                Comment

let b:current_syntax = 'funnel'

let &cpo = s:cpo_save
unlet s:cpo_save
