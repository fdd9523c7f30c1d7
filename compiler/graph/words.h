// The words of `voronka graph`'s labels, one table per language of the
// account (`account { language en }`; Russian by default). Everything the
// diagram says in words comes from here; phrases with `{}` take an argument.
#pragma once

#include <span>
#include <string_view>

#include "common/language/kinds.h"
#include "compiler/check/program.h"

namespace voronka::graph {

// A word that changes with the number before it ("1 day", "3 days").
struct Unit {
  std::string_view one, many;
};

// How an event reads, with its filter argument (`{}`) and without.
struct EventPhrase {
  std::string_view event;  // its name in the language: `form_submitted`
  std::string_view withArg, withoutArg;
};

// What an action is called in a list of robots, by its keyword.
struct ActionNoun {
  std::string_view keyword;  // `task`, `email`, `create deal`…
  std::string_view noun;
};

// The titles of the built-in task types (`call`, `meeting`, `email`).
struct TaskTypeTitle {
  std::string_view type, title;
};

// Built-in names of expressions (`now`, `time_in_stage`, `contact.name`…).
struct BuiltinName {
  check::NameKind kind;
  std::string_view phrase;
};

struct Words {
  std::string_view quoteOpen, quoteClose;  // around titles: «…»

  // The diagram.
  std::string_view keyStage, anyStage, byHand, newDeal, nextStage;
  std::string_view onEnterHeading, timersHeading, eventsHeading;
  std::string_view policies;  // "{} by hand; triggers {}"
  std::string_view forwardAndBack, forwardOnly, backOnly, nowhere;

  // Rule heads and the context of an action.
  std::string_view atOnce;            // an `on enter` move
  std::string_view after;             // "after {}"
  std::string_view atTimeOfDay;       // " at {}" (after D at HH:MM)
  std::string_view atMoment;          // "at {}" (at EXPR)
  std::string_view every, whileCond;  // "every {}", " while {}"
  std::string_view unless;            // "unless first: {}"
  std::string_view withinWorkhours, once, fromStage, when, thenAfter;
  std::string_view splitShare, splitRest;  // "{}% of deals", "the other {}%"
  std::string_view lose, due, dueAt, via;
  std::string_view roundRobin, leastBusy, responsible;
  std::string_view tagAdd, tagRemove;

  Unit minutes, hours, days, weeks, workdays;

  // Conditions.
  std::string_view andWord, orWord, notWord, oneOf, noneOf, has, isEmpty, isSet, yes, no, empty;

  std::span<const EventPhrase> events;
  std::span<const ActionNoun> actions;
  std::span<const BuiltinName> builtins;
  std::span<const TaskTypeTitle> taskTypes;

  // Lookups; an unknown name reads as itself.
  const EventPhrase* event(std::string_view name) const;
  std::string_view noun(std::string_view keyword) const;
  const std::string_view* builtin(check::NameKind kind) const;
  const std::string_view* taskType(std::string_view type) const;
};

const Words& wordsFor(lang::Language language);

}  // namespace voronka::graph
