// The funnel language: one grammar for the lexer and the parser.
//
// Only compiler/parse sees the code ANTLR generates from this file; everything
// else works on the AST (compiler/ast). Generated with -no-listener -no-visitor.
//
// Keywords: the words of LANGUAGE.md §13 that start something are reserved
// (the "reserved" block of tokens); every other keyword is contextual and is
// accepted wherever a name is (rule `ident`). After `.` and before `:` any word
// is a name (rule `name`).
grammar Funnel;

// ───────────────────────────── files and declarations ─────────────────────

file : topItem* EOF ;

topItem
    : useDecl
    | accountDecl
    | calendarDecl
    | fieldDecl
    | enumDecl
    | teamDecl
    | templateDecl
    | formDecl
    | integrationDecl
    | eventDecl
    | taskTypeDecl
    | channelDecl
    | reasonsDecl
    | pipelineDecl
    | testDecl
    | ruleDecl
    ;

useDecl : USE (modulePath | STRING) ;
modulePath : name (DOT name)* ;

accountDecl : ACCOUNT STRING? LBRACE calendarItem* RBRACE ;
calendarDecl : CALENDAR ident STRING? LBRACE calendarItem* RBRACE ;

calendarItem
    : TIMEZONE STRING                                   # timezoneItem
    | WORKHOURS workhoursSpec (COMMA? workhoursSpec)*   # workhoursItem
    | HOLIDAYS dateRange (COMMA? dateRange)*            # holidaysItem
    | CURRENCY ident                                    # currencyItem
    | LANGUAGE ident                                    # languageItem
    ;
workhoursSpec : dayRange timeWindow+ ;
dayRange : ident (DOTDOT ident)? ;
timeWindow : TIME MINUS TIME ;
dateRange : DATE (DOTDOT DATE)? ;

fieldDecl : FIELD ident COLON fieldType STRING? (EQ expression)? ;
fieldType
    : ENUM LBRACE enumMember (COMMA? enumMember)* COMMA? RBRACE   # enumType
    | typeName                                                  # namedType
    ;
typeName : ident | EMAIL ;
enumMember : ident STRING? ;
// A named enum: fields and event parameters of type NAME share its values.
enumDecl : ENUM ident STRING? LBRACE enumMember (COMMA? enumMember)* COMMA? RBRACE ;

teamDecl : TEAM ident STRING? LBRACE (teamMember (COMMA? teamMember)* COMMA?)? RBRACE ;
teamMember : ident STRING? ;

templateDecl : TEMPLATE templateKind ident STRING? (LBRACE templateItem* RBRACE)? ;
templateKind : EMAIL | MESSAGE | SMS ;
templateItem
    : BODY STRING       # templateBody
    | SUBJECT STRING    # templateSubject
    ;

formDecl : FORM ident STRING? LBRACE FIELDS ident (COMMA? ident)* COMMA? RBRACE ;

integrationDecl : INTEGRATION ident STRING? LBRACE integrationItem* RBRACE ;
integrationItem
    : URL STRING                            # integrationUrl
    | ANSWERS ident (COMMA? ident)*         # integrationAnswers
    ;

eventDecl : EVENT ident (LPAREN (eventParam (COMMA? eventParam)*)? RPAREN)? STRING? ;
// Payload fields are used by name in rules, so they are names, not any word.
eventParam : ident COLON fieldType ;

taskTypeDecl : TASK TYPE ident STRING? ;
channelDecl : CHANNEL ident STRING? ;
reasonsDecl : REASONS ident LBRACE lossReasonList RBRACE ;

// ───────────────────────────── pipelines and stages ───────────────────────

pipelineDecl : PIPELINE ident STRING? LBRACE pipelineItem* RBRACE ;
pipelineItem
    : policy
    | stageDecl
    | wonDecl
    | lostDecl
    | ruleDecl
    ;
policy
    : MANUAL direction COLON permission     # manualPolicy
    | TRIGGERS direction COLON permission   # triggerPolicy
    | CALENDAR ident                        # calendarPolicy
    ;
direction : FORWARD | BACKWARD ;
permission : ALLOW | DENY ;

stageDecl : STAGE ident STRING? stageFlag* stageBody? ;
stageFlag : INITIAL | KEY ;
stageBody : LBRACE stageItem* RBRACE ;
stageItem
    : REQUIRE expression STRING?    # requireItem
    | ruleDecl                      # ruleItem
    ;
wonDecl : WON STRING? stageBody? ;
lostDecl : LOST STRING? lostReasons? stageBody? ;
lostReasons
    : REASONS LBRACE lossReasonList RBRACE    # inlineReasons
    | REASONS ident                           # namedReasons
    ;
lossReasonList : (lossReason (COMMA? lossReason)* COMMA?)? ;
lossReason : OTHER? STRING ;

// ───────────────────────────── rules ──────────────────────────────────────

// Clauses of a rule head may come in any order; the AST builder reports a
// clause given twice, the checker the combinations that make no sense.
ruleDecl
    : ON eventRef ruleClause* ruleBody      # onRule
    | timeSpec ruleClause* ruleBody         # timedRule
    ;
ruleClause
    : FROM ident                # fromClause
    | ONCE                      # onceClause
    | WHEN expression           # whenClause
    | timeSpec                  # timingClause
    | UNLESS eventRef           # unlessClause
    | workhoursShift            # workhoursClause
    | LATE (SKIP_WORD | RUN)    # lateClause
    ;
// Which way a time outside working hours moves: to the next working moment
// (the default, `later`) or to the latest working minute before it.
workhoursShift : WITHIN WORKHOURS (LATER | EARLIER)? ;
timeSpec
    : AFTER durationLit (AT TIME)?          # afterSpec
    | AT expression                         # atSpec
    | EVERY durationLit (WHILE expression)? # everySpec
    ;
eventRef : eventName (LPAREN eventArg RPAREN)? ;
// `create` is also an action word; as an event it names the deal's creation.
eventName : ident | CREATE ;
eventArg : name | STRING ;
ruleBody
    : block                 # blockBody
    | ARROW moveTarget      # arrowBody
    ;

durationLit
    : DURATION              # plainDuration
    | NUMBER WORKDAYS?      # countDuration
    ;

// ───────────────────────────── actions ────────────────────────────────────

block : LBRACE action* RBRACE ;

action
    : (MOVE | ARROW) moveTarget                         # moveAction
    | WIN                                               # winAction
    | LOSE STRING?                                      # loseAction
    | TASK taskTypeRef? STRING taskClause*              # taskAction
    | COMPLETE TASKS completeSelector? (COMMENT STRING)? # completeAction
    | EMAIL ident sendClause*                           # emailAction
    | MESSAGE ident sendClause*                         # messageAction
    | SMS (STRING | ident) sendClause*                  # smsAction
    | WEBHOOK STRING (WITH mapLiteral)?                 # webhookAction
    | REQUEST ident (WITH mapLiteral)?                  # requestAction
    | ANALYTICS STRING (LABEL expression)?              # analyticsAction
    | TAG (PLUS | MINUS) STRING                         # tagAction
    | SET path EQ expression                            # setAction
    | ASSIGN assignee                                   # assignAction
    | CREATE DEAL IN stagePath createClause*            # createDealAction
    | QUESTIONNAIRE ident ARROW ident                   # questionnaireAction
    | NOTE STRING                                       # noteAction
    | NOTIFY ident STRING                               # notifyAction
    | ifStatement                                       # ifAction
    | SPLIT NUMBER PERCENT block (ELSE block)?          # splitAction
    | THEN AFTER durationLit workhoursShift? block       # thenAction
    ;

// `else if` chains are a loop, not recursion: a long chain must not grow the stack.
ifStatement : IF expression block (ELSE IF expression block)* (ELSE block)? ;

moveTarget
    : NEXT                          # nextTarget
    | stageName (DOT stageName)?    # namedTarget
    ;
stagePath : ident (DOT stageName)? ;
stageName : ident | WON | LOST ;

taskTypeRef : ident | EMAIL ;
taskClause
    : DUE durationLit       # dueClause
    | AT expression         # taskAtClause
    | TO ident              # toClause
    | workhoursShift        # taskWorkhoursClause
    ;
completeSelector
    : completeFilter                    # filterOnly
    | taskTypeRef completeFilter?       # typeAndFilter
    ;
completeFilter : ALL | OVERDUE | TODAY | TOMORROW ;
sendClause
    : FROM ident            # fromUserClause
    | VIA ident             # viaClause
    | workhoursShift        # sendWorkhoursClause
    ;
assignee : ident (LPAREN ident RPAREN)? ;
createClause
    : COPY ident (COMMA? ident)*    # copyClause
    | ASSIGN assignee               # createAssignClause
    ;

mapLiteral : LBRACE (mapEntry (COMMA? mapEntry)* COMMA?)? RBRACE ;
mapEntry : name COLON expression ;

path : name (DOT name)* ;

// ───────────────────────────── expressions ────────────────────────────────
// Loosest first: or; and; not; comparisons (do not chain); + -; * /; unary -;
// member access and calls.

expression : orExpr ;
// The inside of `{…}` in an interpolated text, parsed on its own.
standaloneExpression : expression EOF ;
orExpr : andExpr (OR andExpr)* ;
andExpr : notExpr (AND notExpr)* ;
notExpr
    : NOT notExpr       # notOp
    | comparison        # notPass
    ;
comparison : additive (compareOp additive)? ;
compareOp : EQEQ | NEQ | LT | LE | GT | GE | IN | HAS | NOT IN ;
additive : multiplicative ((PLUS | MINUS) multiplicative)* ;
multiplicative : unary ((STAR | SLASH) unary)* ;
unary
    : MINUS unary       # negate
    | postfix           # unaryPass
    ;
postfix : primary postfixOp* ;
postfixOp
    : DOT name                                              # memberOp
    | LPAREN (expression (COMMA expression)*)? RPAREN       # callOp
    ;
primary
    : NUMBER                                    # numberLit
    | NUMBER WORKDAYS                           # workdaysLit
    | DURATION                                  # durationLiteral
    | STRING                                    # stringLit
    | TIME                                      # timeLit
    | DATE                                      # dateLit
    | DATETIME                                  # datetimeLit
    | (TRUE | FALSE)                            # boolLit
    | NONE                                      # noneLit
    | ident                                     # nameRef
    | DEAL                                      # dealRef
    | STAGE                                     # stageRef
    | (WON | LOST)                              # finalStageRef  // `deal.stage == won`
    | LPAREN expression RPAREN                  # parens
    | LBRACK (expression (COMMA expression)*)? RBRACK   # listLit
    | IF expression LBRACE expression RBRACE
      (ELSE IF expression LBRACE expression RBRACE)*
      ELSE LBRACE expression RBRACE             # ifExpr
    ;

// ───────────────────────────── tests ──────────────────────────────────────

testDecl : TEST STRING LBRACE testStmt* RBRACE ;
testStmt
    : DEAL ident IN stagePath (LBRACE (fieldInit (COMMA? fieldInit)* COMMA?)? RBRACE)? (SPLIT (FIRST | ELSE))?  # testDeal
    | ADVANCE durationLit                                      # testAdvance
    | ADVANCE TO DATETIME                                      # testAdvanceTo
    | EVENT eventRef (ON ident)? (WITH mapLiteral)?            # testEvent
    | SET path EQ expression                                   # testSet
    | MANUAL MOVE ident ARROW moveTarget STRING? (EXPECT REJECTED STRING?)?  # testManualMove
    | EXPECT expectation (ON ident)?                           # testExpect
    ;
fieldInit : path EQ expression ;
expectation
    : STAGE stageName                   # expectStage
    | NO? TASK taskTypeRef? STRING      # expectTask
    | NO? EMAIL ident (CONTAINS STRING)?        # expectEmail
    | NO? MESSAGE ident (CONTAINS STRING)?      # expectMessage
    | NO? SMS (STRING | CONTAINS STRING | ident (CONTAINS STRING)?)?  # expectSms
    | NO? WEBHOOK STRING                # expectWebhook
    | NO? REQUEST ident                 # expectRequest
    | NO? TAG STRING                    # expectTag
    | NO? NOTE STRING                   # expectNote
    | NO? NOTIFY ident? STRING?         # expectNotify
    | NO? ANALYTICS STRING              # expectAnalytics
    | RESPONSIBLE ident                 # expectResponsible
    | NO? DEAL IN stagePath             # expectDealIn
    | WON                               # expectWon
    | LOST STRING?                      # expectLost
    | UNDELIVERABLE name                # expectUndeliverable
    | expression                        # expectExpr
    ;

// ───────────────────────────── names ──────────────────────────────────────

// A name where a user-chosen identifier goes: any identifier or contextual keyword.
ident
    : IDENT
    | INITIAL | KEY | REQUIRE | TIMEZONE | WORKHOURS | HOLIDAYS | CURRENCY | CALENDAR
    | REASONS | OTHER | TRIGGERS | FORWARD | BACKWARD | ALLOW | DENY | FROM | ONCE
    | WHEN | UNLESS | WHILE | WITHIN | DUE | TO | ALL | OVERDUE | TODAY | TOMORROW
    | COMMENT | VIA | WITH | LABEL | COPY | TASKS | TYPE | CHANNEL | BODY | SUBJECT
    | URL | FIELDS | ENUM | WORKDAYS | NO | REJECTED | ANSWERS | RESPONSIBLE
    | LANGUAGE | LATER | EARLIER | LATE | SKIP_WORD | RUN | FIRST | CONTAINS | UNDELIVERABLE
    ;

// Any word at all: after `.` and before `:`.
name
    : ident
    | USE | ACCOUNT | FIELD | TEAM | TEMPLATE | FORM | INTEGRATION | EVENT | PIPELINE
    | STAGE | WON | LOST | TEST | ON | AFTER | AT | EVERY | THEN | MOVE | WIN | LOSE
    | TASK | COMPLETE | EMAIL | MESSAGE | SMS | WEBHOOK | REQUEST | ANALYTICS | TAG
    | SET | ASSIGN | CREATE | QUESTIONNAIRE | NOTE | NOTIFY | IF | ELSE | SPLIT
    | DEAL | ADVANCE | EXPECT | MANUAL | AND | OR | NOT | IN | HAS | TRUE | FALSE
    | NONE | NEXT
    ;

// ═════════════════════════════ lexer ══════════════════════════════════════

// Reserved keywords.
USE : 'use' ;  ACCOUNT : 'account' ;  FIELD : 'field' ;  TEAM : 'team' ;
TEMPLATE : 'template' ;  FORM : 'form' ;  INTEGRATION : 'integration' ;
EVENT : 'event' ;  PIPELINE : 'pipeline' ;  STAGE : 'stage' ;  WON : 'won' ;
LOST : 'lost' ;  TEST : 'test' ;
ON : 'on' ;  AFTER : 'after' ;  AT : 'at' ;  EVERY : 'every' ;  THEN : 'then' ;
MOVE : 'move' ;  WIN : 'win' ;  LOSE : 'lose' ;  TASK : 'task' ;
COMPLETE : 'complete' ;  EMAIL : 'email' ;  MESSAGE : 'message' ;  SMS : 'sms' ;
WEBHOOK : 'webhook' ;  REQUEST : 'request' ;  ANALYTICS : 'analytics' ;
TAG : 'tag' ;  SET : 'set' ;  ASSIGN : 'assign' ;  CREATE : 'create' ;
QUESTIONNAIRE : 'questionnaire' ;  NOTE : 'note' ;  NOTIFY : 'notify' ;
IF : 'if' ;  ELSE : 'else' ;  SPLIT : 'split' ;
DEAL : 'deal' ;  ADVANCE : 'advance' ;  EXPECT : 'expect' ;  MANUAL : 'manual' ;
AND : 'and' ;  OR : 'or' ;  NOT : 'not' ;  IN : 'in' ;  HAS : 'has' ;
TRUE : 'true' ;  FALSE : 'false' ;  NONE : 'none' ;  NEXT : 'next' ;

// Contextual keywords (also names, see `ident`).
INITIAL : 'initial' ;  KEY : 'key' ;  REQUIRE : 'require' ;
TIMEZONE : 'timezone' ;  WORKHOURS : 'workhours' ;  HOLIDAYS : 'holidays' ;
CURRENCY : 'currency' ;  CALENDAR : 'calendar' ;  REASONS : 'reasons' ;
OTHER : 'other' ;  TRIGGERS : 'triggers' ;  FORWARD : 'forward' ;
BACKWARD : 'backward' ;  ALLOW : 'allow' ;  DENY : 'deny' ;  FROM : 'from' ;
ONCE : 'once' ;  WHEN : 'when' ;  UNLESS : 'unless' ;  WHILE : 'while' ;
WITHIN : 'within' ;  DUE : 'due' ;  TO : 'to' ;  ALL : 'all' ;
OVERDUE : 'overdue' ;  TODAY : 'today' ;  TOMORROW : 'tomorrow' ;
COMMENT : 'comment' ;  VIA : 'via' ;  WITH : 'with' ;  LABEL : 'label' ;
COPY : 'copy' ;  TASKS : 'tasks' ;  TYPE : 'type' ;  CHANNEL : 'channel' ;
BODY : 'body' ;  SUBJECT : 'subject' ;  URL : 'url' ;  FIELDS : 'fields' ;
ENUM : 'enum' ;  WORKDAYS : 'workdays' ;  NO : 'no' ;  REJECTED : 'rejected' ;
ANSWERS : 'answers' ;  RESPONSIBLE : 'responsible' ;  LANGUAGE : 'language' ;
// (ANTLR reserves the token name SKIP: the word `skip` is SKIP_WORD.)
LATER : 'later' ;  EARLIER : 'earlier' ;  LATE : 'late' ;  SKIP_WORD : 'skip' ;  RUN : 'run' ;
FIRST : 'first' ;  CONTAINS : 'contains' ;  UNDELIVERABLE : 'undeliverable' ;

// Punctuation and operators.
ARROW : '->' ;  DOTDOT : '..' ;  DOT : '.' ;  COMMA : ',' ;  COLON : ':' ;
LBRACE : '{' ;  RBRACE : '}' ;  LPAREN : '(' ;  RPAREN : ')' ;
LBRACK : '[' ;  RBRACK : ']' ;
EQEQ : '==' ;  NEQ : '!=' ;  LE : '<=' ;  GE : '>=' ;  LT : '<' ;  GT : '>' ;
EQ : '=' ;  PLUS : '+' ;  MINUS : '-' ;  STAR : '*' ;  SLASH : '/' ;
PERCENT : '%' ;

// Literals. Longest match decides: `2026-12-31` is a date, not arithmetic;
// `3d` a duration; `3days` a number running into letters (an error).
DATETIME : DATE_PART 'T' TIME_PART ;
DATE : DATE_PART ;
TIME : TIME_PART ;
DURATION : (DIGIT+ [wdhm])+ ;
NUMBER : DIGIT (DIGIT | '_')* ('.' DIGIT+)? ;
BAD_NUMBER : DIGIT (DIGIT | '_')* ('.' DIGIT+)? ID_START ID_CONTINUE* ;

// Strings do not span lines; a text block ("""…""") does. The unterminated
// forms cannot contain their terminator, so they only win when it is missing.
STRING : '"' (ESCAPE | ~["\\\r\n])* '"' | TEXT_BLOCK ;
UNTERMINATED_TEXT_BLOCK : '"""' (~'"' | '"' ~'"' | '""' ~'"')* '"'? '"'? EOF ;
UNTERMINATED_STRING : '"' (ESCAPE | ~["\\\r\n])* ;

IDENT : ID_START ID_CONTINUE* ;

LINE_COMMENT : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF ;
// Spaces, tabs, newlines, form feeds and the no-break space (pasted from CRM screens).
WS : [ \t\r\n\u000C\u00A0\uFEFF]+ -> skip ;

// Anything else is one bad character; the parser front end reports it.
BAD_CHAR : . ;

fragment DIGIT : [0-9] ;
fragment DATE_PART : DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT ;
fragment TIME_PART : DIGIT DIGIT? ':' DIGIT DIGIT ;
fragment ESCAPE : '\\' . ;
fragment TEXT_BLOCK : '"""' .*? '"""' ;
fragment ID_START : [\p{L}_] ;
fragment ID_CONTINUE : [\p{L}\p{Mn}\p{Mc}\p{Nd}_] ;
