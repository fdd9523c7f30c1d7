// Helpers for unit tests: compile a source text and look at the result.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/check/checker.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

namespace voronka::testing {

struct Compiled {
  SourceManager sources;
  DiagnosticSink sink;
  parse::ParseResult parsed;
  std::optional<check::CheckedProgram> program;

  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const auto& d : sink.all()) out.emplace_back(d.id());
    return out;
  }
  bool has(std::string_view id) const {
    for (const auto& d : sink.all()) {
      if (d.id() == id) return true;
    }
    return false;
  }
  const Diagnostic* first(std::string_view id) const {
    for (const auto& d : sink.all()) {
      if (d.id() == id) return &d;
    }
    return nullptr;
  }
};

// Parses `text` as one file and, when it parsed cleanly, checks it.
inline std::unique_ptr<Compiled> compile(const std::string& text) {
  auto c = std::make_unique<Compiled>();
  FileId id = c->sources.add("test.funnel", text);
  c->parsed = parse::parseFile(c->sources.file(id), c->sink);
  if (c->parsed.errors == 0) c->program = check::checkProgram({c->parsed.module.get()}, c->sink);
  return c;
}

// A minimal valid pipeline to embed rules in.
inline std::string pipeline(const std::string& stagesAndRules) {
  return "pipeline p \"P\" {\n" + stagesAndRules +
         "\n  won \"Won\"\n  lost \"Lost\" reasons { \"Дорого\" other \"Другое\" }\n}\n";
}

}  // namespace voronka::testing
