#include "runtime/moddiff/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace voronka::moddiff {
namespace {

std::string placeText(const Place& p) {
  std::string s = fmt::format("{}:{}", p.file, p.line);
  if (!p.text.empty()) {
    size_t start = p.text.find_first_not_of(" \t");
    s += " | " + p.text.substr(start == std::string::npos ? p.text.size() : start);
  }
  return s;
}

nlohmann::json placeJson(const Place& p) {
  nlohmann::json j = {{"file", p.file}, {"line", p.line}};
  if (!p.text.empty()) j["text"] = p.text;
  return j;
}

std::string liveText(const Change& ch) {
  std::vector<std::string> parts;
  if (ch.deals) parts.push_back(fmt::format("{} deal{}", *ch.deals, *ch.deals == 1 ? "" : "s"));
  if (ch.timers) parts.push_back(fmt::format("{} pending timer{}", *ch.timers, *ch.timers == 1 ? "" : "s"));
  if (parts.empty()) return "";
  return fmt::format("  [live: {}]", fmt::join(parts, ", "));
}

std::string changeText(const Change& ch, const std::string& indent) {
  std::string head;
  if (ch.kind == ChangeKind::Renamed)
    head = fmt::format("{} {} {} → {}", kindName(ch.kind), ch.what, ch.oldName, ch.name);
  else if (ch.what == "stage" || ch.what == "pipeline" || ch.pipeline.empty())
    head = fmt::format("{} {} {}", kindName(ch.kind), ch.what, ch.name);
  else if (!ch.stage.empty() || ch.name == ch.pipeline)
    head = ch.name == ch.stage || ch.name == ch.pipeline
               ? fmt::format("{} {}", kindName(ch.kind), ch.what)
               : fmt::format("{} {}: {}", kindName(ch.kind), ch.what, ch.name);
  else
    head = fmt::format("{} {} (every stage): {}", kindName(ch.kind), ch.what, ch.name);
  std::string out = indent + head;
  if (!ch.summary.empty()) out += " — " + ch.summary;
  out += liveText(ch) + "\n";
  for (const std::string& d : ch.details) out += indent + "    " + d + "\n";
  if (ch.oldPlace && ch.newPlace) {
    out += indent + "    old " + placeText(*ch.oldPlace) + "\n";
    out += indent + "    new " + placeText(*ch.newPlace) + "\n";
  } else if (ch.oldPlace) {
    out += indent + "    at " + placeText(*ch.oldPlace) + " (old)\n";
  } else if (ch.newPlace) {
    out += indent + "    at " + placeText(*ch.newPlace) + "\n";
  }
  return out;
}

}  // namespace

// The account first, then each pipeline: its own changes, then a section
// per stage, in the order the diff met them.
std::string renderText(const ModuleDiff& diff) {
  if (diff.changes.empty()) return "no differences\n";
  std::vector<std::string> pipelines;
  std::map<std::string, std::vector<std::string>> stagesOf;
  for (const Change& ch : diff.changes) {
    if (std::find(pipelines.begin(), pipelines.end(), ch.pipeline) == pipelines.end()) pipelines.push_back(ch.pipeline);
    auto& stages = stagesOf[ch.pipeline];
    if (!ch.stage.empty() && std::find(stages.begin(), stages.end(), ch.stage) == stages.end())
      stages.push_back(ch.stage);
  }
  std::string out;
  for (const std::string& p : pipelines) {
    out += p.empty() ? "account\n" : "pipeline " + p + "\n";
    for (const Change& ch : diff.changes) {
      if (ch.pipeline == p && ch.stage.empty()) out += changeText(ch, "  ");
    }
    for (const std::string& st : stagesOf[p]) {
      out += "  stage " + st + "\n";
      for (const Change& ch : diff.changes) {
        if (ch.pipeline == p && ch.stage == st) out += changeText(ch, "    ");
      }
    }
  }
  std::map<ChangeKind, int> counts;
  for (const Change& ch : diff.changes) ++counts[ch.kind];
  out += fmt::format("{} change{}:", diff.changes.size(), diff.changes.size() == 1 ? "" : "s");
  bool first = true;
  for (auto [kind, n] : counts) {
    out += fmt::format("{} {} {}", first ? "" : ",", n, kindName(kind));
    first = false;
  }
  return out + "\n";
}

nlohmann::json renderJson(const ModuleDiff& diff) {
  nlohmann::json changes = nlohmann::json::array();
  for (const Change& ch : diff.changes) {
    nlohmann::json j = {{"kind", kindName(ch.kind)}, {"what", ch.what}, {"name", ch.name}};
    j["pipeline"] = ch.pipeline.empty() ? nlohmann::json() : nlohmann::json(ch.pipeline);
    j["stage"] = ch.stage.empty() ? nlohmann::json() : nlohmann::json(ch.stage);
    if (!ch.oldName.empty()) j["old_name"] = ch.oldName;
    if (!ch.summary.empty()) j["summary"] = ch.summary;
    if (!ch.details.empty()) j["details"] = ch.details;
    if (ch.oldPlace) j["old"] = placeJson(*ch.oldPlace);
    if (ch.newPlace) j["new"] = placeJson(*ch.newPlace);
    if (ch.deals || ch.timers) {
      j["live"] = nlohmann::json::object();
      if (ch.deals) j["live"]["deals"] = *ch.deals;
      if (ch.timers) j["live"]["timers"] = *ch.timers;
    }
    changes.push_back(std::move(j));
  }
  return {{"version", 1}, {"differences", !diff.empty()}, {"changes", std::move(changes)}};
}

}  // namespace voronka::moddiff
