// A semantic diff of two compiled funnels (bc::Module): what a consultant's
// change does to pipelines, stages, rules, timers, guards, templates and the
// account's declarations — not a text diff. Both sides are modules, so a
// .funnel source (compiled first) and a built .funnelc compare the same way.
//
// Stages and pipelines are matched by name; what is left on both sides is
// paired as a likely rename when enough of it agrees (title, position,
// rules), and reported as "renamed?" with the reasons, never as certain.
// Rules have no names: within a stage they are matched by their whole
// meaning first, then by their head (the event, or "a timer"), in order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/bytecode/disassembler.h"
#include "runtime/bytecode/module.h"

namespace voronka::moddiff {

enum class ChangeKind : uint8_t { Added, Removed, Renamed, Moved, Changed };
std::string_view kindName(ChangeKind k);

// Where a change is written: a file and line of the old or new source.
struct Place {
  std::string file;
  int line = 0;
  std::string text;  // the source line, when it could be read
};

struct Change {
  ChangeKind kind = ChangeKind::Changed;
  std::string what;      // stage, pipeline, rule, timer, guard, policy, template, field, enum, user, team…
  std::string pipeline;  // the pipeline it belongs to (its new name; the old one if removed); empty: the account
  std::string stage;     // the stage it belongs to, or empty (a pipeline-wide change)
  std::string name;      // the thing itself: a stage's or field's name, a rule's head
  std::string oldName;   // renamed: the old name
  std::string summary;   // one line for people
  std::vector<std::string> details;  // further lines: "- removed action", "+ added action", "was …", "now …"
  std::optional<Place> oldPlace, newPlace;

  // For --live: what in the old module's store this change touches.
  int32_t oldPipeline = -1, oldStage = -1;  // a stage whose deals it concerns
  std::vector<int32_t> oldRules;            // rules whose pending timers it concerns
  std::optional<int64_t> deals, timers;     // filled by countLive
};

struct ModuleDiff {
  std::vector<Change> changes;  // account-wide first, then pipeline by pipeline (new order, removed last)
  bool empty() const { return changes.empty(); }
};

struct DiffOptions {
  bc::SourceLines oldLines, newLines;  // to quote the source lines of rules (optional)
};

ModuleDiff diffModules(const bc::Module& oldModule, const bc::Module& newModule, const DiffOptions& options = {});

// Whether a store's records written by `a` read the same with `b`: the same
// pipelines, stages, rules, fields, users and task types at the same
// positions, each meaning the same. Two builds of one source from other
// paths differ in bytes (the module names its files) but not in this.
bool samePositions(const bc::Module& a, const bc::Module& b);

}  // namespace voronka::moddiff
