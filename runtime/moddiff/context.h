// Internal to runtime/moddiff: the two sides of a diff and the list of
// changes being built, shared by the files that compare one kind of thing.
#pragma once

#include <string>
#include <vector>

#include "runtime/moddiff/canon.h"
#include "runtime/moddiff/moddiff.h"

namespace voronka::moddiff {

struct Side {
  const bc::Module& m;
  Canon canon;
  const bc::SourceLines& lines;
  Side(const bc::Module& module, const bc::SourceLines& sourceLines) : m(module), canon(module), lines(sourceLines) {}
  std::optional<Place> place(int32_t file, int line) const;
  std::optional<Place> functionPlace(int32_t function) const;  // where its first instruction was written
};

struct Context {
  Side oldSide, newSide;
  std::vector<Change> changes;
  Context(const bc::Module& oldModule, const bc::Module& newModule, const DiffOptions& options)
      : oldSide(oldModule, options.oldLines), newSide(newModule, options.newLines) {}

  Change& add(ChangeKind kind, std::string what, std::string pipeline, std::string stage, std::string name,
              std::string summary = {});
};

// The lines that differ between two lists, in order: "- old" and "+ new"
// (a longest common subsequence; equal lines are left out).
std::vector<std::string> listDiff(const std::vector<std::string>& before, const std::vector<std::string>& after);

// The account's declarations: settings, calendars, fields, enums, users,
// teams, templates, forms, integrations, events, task types, channels.
void diffDeclarations(Context& c);
// Pipelines and their stages, guards and rules (pipelines.cpp, rules.cpp).
void diffPipelines(Context& c);

struct RuleScope {
  std::string pipeline, stage;              // as shown
  int32_t oldPipeline = -1, oldStage = -1;  // for --live
};
void diffRules(Context& c, const RuleScope& scope, const std::vector<int32_t>& oldRules,
               const std::vector<int32_t>& newRules);

}  // namespace voronka::moddiff
