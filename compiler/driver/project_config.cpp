#include "compiler/driver/project_config.h"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>

#include "common/read_file.h"
#include "compiler/check/suggest.h"
#include "compiler/lint/lint.h"

namespace voronka::driver {

namespace fs = std::filesystem;

namespace {

std::string where(const fs::path& file, const toml::source_region& region) {
  return fmt::format("{}:{}:{}", file.string(), region.begin.line, region.begin.column);
}

std::vector<std::string> lintIds() {
  std::vector<std::string> ids;
  for (const auto& k : allDiagKinds()) {
    if (lint::isLint(k.kind)) ids.emplace_back(k.id);
  }
  return ids;
}

std::optional<LintLevel> parseLevel(std::string_view text) {
  if (text == "off") return LintLevel::Off;
  if (text == "warning") return LintLevel::Warning;
  if (text == "error") return LintLevel::Error;
  return std::nullopt;
}

}  // namespace

std::optional<Severity> parseFailLevel(std::string_view text) {
  if (text == "warning") return Severity::Warning;
  if (text == "error") return Severity::Error;
  return std::nullopt;
}

std::optional<ProjectConfig> loadProjectConfig(const fs::path& file, std::string& error) {
  Result<std::string> text = readWholeFile(file);
  if (!text) {
    error = fmt::format("cannot read {}: {}", file.string(), text.error());
    return std::nullopt;
  }
  toml::table root;
  try {
    root = toml::parse(*text, file.string());
  } catch (const toml::parse_error& e) {
    error = fmt::format("{}: {}", where(file, e.source()), e.description());
    return std::nullopt;
  }
  ProjectConfig config;
  config.path = file;
  for (const auto& [key, value] : root) {
    if (key != "lints" && key != "check") {
      error = fmt::format("{}: unknown section `{}`; voronka.toml has [lints] and [check]", where(file, value.source()),
                          key.str());
      return std::nullopt;
    }
  }
  if (const toml::node* lints = root.get("lints")) {
    const toml::table* table = lints->as_table();
    if (!table) {
      error = fmt::format("{}: `lints` must be a table: [lints]", where(file, lints->source()));
      return std::nullopt;
    }
    static const std::vector<std::string> ids = lintIds();
    for (const auto& [key, value] : *table) {
      std::string id(key.str());
      if (id != "all" && std::find(ids.begin(), ids.end(), id) == ids.end()) {
        std::string hint;
        if (findDiagKind(id)) {
          hint = "; it is an error, and errors cannot be turned off";
        } else if (auto close = check::closestName(id, ids)) {
          hint = fmt::format("; did you mean `{}`?", *close);
        } else {
          hint = "; `voronka explain --list` lists the lints (the warnings)";
        }
        error = fmt::format("{}: unknown lint `{}`{}", where(file, key.source()), id, hint);
        return std::nullopt;
      }
      std::optional<std::string_view> text = value.value<std::string_view>();
      std::optional<LintLevel> level = text ? parseLevel(*text) : std::nullopt;
      if (!level) {
        error = fmt::format("{}: the level of `{}` must be \"error\", \"warning\" or \"off\"",
                            where(file, value.source()), id);
        return std::nullopt;
      }
      if (id == "all") {
        config.all = level;
      } else {
        config.levels.emplace(id, *level);
      }
    }
  }
  if (const toml::node* check = root.get("check")) {
    const toml::table* table = check->as_table();
    if (!table) {
      error = fmt::format("{}: `check` must be a table: [check]", where(file, check->source()));
      return std::nullopt;
    }
    for (const auto& [key, value] : *table) {
      if (key != "fail-level") {
        error = fmt::format("{}: unknown setting `{}` in [check]; the setting is `fail-level`",
                            where(file, key.source()), key.str());
        return std::nullopt;
      }
      std::optional<std::string_view> text = value.value<std::string_view>();
      config.failLevel = text ? parseFailLevel(*text) : std::nullopt;
      if (!config.failLevel) {
        error = fmt::format("{}: `fail-level` must be \"error\" or \"warning\"", where(file, value.source()));
        return std::nullopt;
      }
    }
  }
  return config;
}

std::optional<fs::path> findProjectConfig(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  dir = dir.lexically_normal();
  while (true) {
    fs::path candidate = dir / kProjectConfigName;
    if (fs::is_regular_file(candidate, ec)) return candidate;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

void applyLintLevels(DiagnosticSink& sink, const std::function<const ProjectConfig*(FileId)>& configFor) {
  auto& all = sink.all();
  std::vector<Diagnostic> kept;
  kept.reserve(all.size());
  for (auto& d : all) {
    if (lint::isLint(d.kind) && d.range.valid()) {
      if (const ProjectConfig* config = configFor(d.range.file)) {
        auto named = config->levels.find(d.id());
        std::optional<LintLevel> level = named != config->levels.end() ? std::optional(named->second) : config->all;
        if (level) {
          if (*level == LintLevel::Off) {
            std::string why = fmt::format("{} = \"off\" in voronka.toml", d.id());
            sink.suppress(std::move(d), /*inSource=*/false, std::move(why));
            continue;
          }
          d.severity = *level == LintLevel::Error ? Severity::Error : Severity::Warning;
        }
      }
    }
    kept.push_back(std::move(d));
  }
  all = std::move(kept);
  sink.sortAndDeduplicate();  // also recounts errors and warnings
}

}  // namespace voronka::driver
