// Arithmetic on values and the standard functions (stdlib/functions.def).
#pragma once

#include <deque>
#include <string>

#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/value.h"
#include "runtime/calendar/calendar.h"

namespace voronka::vm {

// Texts produced here are kept in `scratch`.
using Scratch = std::deque<std::string>;

// Whether a date, datetime or duration lies within 10 000 years of 1970 (as
// a span for durations); values of other types always do.
bool inRange(const bc::Value& v);

// Add, Sub, Mul, Div with LANGUAGE.md's types: an unset operand gives none,
// division by zero gives none, datetime ± N workdays follows the calendar.
// A date, datetime or duration operand or result beyond 10 000 years gives
// none too (`1d * 1e300`).
bc::Value arithmetic(bc::Op op, const bc::Value& x, const bc::Value& y, const Calendar& calendar, Scratch& scratch);

bc::Value callStandard(int function, const bc::Value* args, int count, const Calendar& calendar, Scratch& scratch);

// Lower/upper case for Latin and Cyrillic (ё included).
std::string changeCase(std::string_view text, bool upper);

}  // namespace voronka::vm
