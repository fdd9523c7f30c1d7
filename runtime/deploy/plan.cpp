#include "runtime/deploy/plan.h"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <algorithm>

#include "common/read_file.h"

namespace voronka::deploy {

const char* policyName(TimerPolicy p) {
  switch (p) {
    case TimerPolicy::Keep: return "keep";
    case TimerPolicy::Recompute: return "recompute";
    case TimerPolicy::Cancel: return "cancel";
  }
  return "?";
}

const char* addedTimersName(AddedTimers p) {
  switch (p) {
    case AddedTimers::Skip: return "skip";
    case AddedTimers::FromEntry: return "from_entry";
    case AddedTimers::FromNow: return "from_now";
  }
  return "?";
}

std::string Plan::where(int line) const {
  if (path.empty()) return "the plan";
  return line > 0 ? fmt::format("{}:{}", path, line) : path;
}

namespace {

int lineOf(const toml::source_region& r) { return static_cast<int>(r.begin.line); }

std::optional<TimerPolicy> policyOf(std::string_view s) {
  if (s == "keep") return TimerPolicy::Keep;
  if (s == "recompute") return TimerPolicy::Recompute;
  if (s == "cancel") return TimerPolicy::Cancel;
  return std::nullopt;
}

std::optional<AddedTimers> addedOf(std::string_view s) {
  for (AddedTimers p : {AddedTimers::Skip, AddedTimers::FromEntry, AddedTimers::FromNow}) {
    if (s == addedTimersName(p)) return p;
  }
  return std::nullopt;
}

bool isStagePath(std::string_view s) {
  size_t dot = s.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < s.size() && s.find('.', dot + 1) == s.npos;
}

}  // namespace

Result<Plan, std::vector<std::string>> parsePlan(const std::string& text, const std::string& path) {
  Plan plan;
  plan.path = path;
  std::vector<std::pair<int, std::string>> errors;  // by line, as the file reads
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return failWith(std::vector<std::string>{
        fmt::format("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description())});
  }
  auto err = [&](int line, std::string message) {
    errors.emplace_back(line, fmt::format("{}: {}", plan.where(line), message));
  };
  for (auto& [section, value] : root) {
    int line = lineOf(value.source());
    if (!value.is_table()) {
      err(line, fmt::format("`{}` must be a section; a plan has [stages], [timers] and [enter]", section.str()));
      continue;
    }
    const toml::table& table = *value.as_table();
    if (section == "stages") {
      for (auto& [from, to] : table) {
        int at = lineOf(to.source());
        if (!isStagePath(from.str())) {
          err(at, fmt::format("\"{}\" must name a stage as \"pipeline.stage\"", from.str()));
        } else if (!to.is_string() || !isStagePath(to.as_string()->get())) {
          err(at, fmt::format("\"{}\" must map to a stage of the new version, as \"pipeline.stage\"", from.str()));
        } else {
          plan.stages[std::string(from.str())] = {to.as_string()->get(), at};
        }
      }
    } else if (section == "timers") {
      for (auto& [key, policy] : table) {
        int at = lineOf(policy.source());
        if (key == "added") {
          std::optional<AddedTimers> a = policy.is_string() ? addedOf(policy.as_string()->get()) : std::nullopt;
          if (!a) {
            err(at,
                "`added` (what timed rules the new version adds do for deals already in their stage) must be "
                "\"skip\" (they start at the next entry), \"from_entry\" or \"from_now\"");
          } else {
            plan.addedTimers = {*a, at};
          }
          continue;
        }
        std::optional<TimerPolicy> p = policy.is_string() ? policyOf(policy.as_string()->get()) : std::nullopt;
        if (!p) {
          err(at, fmt::format("`{}` must be \"keep\", \"recompute\" or \"cancel\"", key.str()));
        } else if (key == "changed") {
          plan.changedTimers = Located<TimerPolicy>{*p, at};
        } else {
          plan.timers[std::string(key.str())] = {*p, at};
        }
      }
    } else if (section == "enter") {
      for (auto& [key, list] : table) {
        int at = lineOf(list.source());
        if (key != "retroactive") {
          err(at,
              fmt::format("unknown key `{}` in [enter]; it has `retroactive = [\"pipeline.stage\", …]`", key.str()));
          continue;
        }
        const toml::array* stages = list.as_array();
        if (!stages) {
          err(at, "`retroactive` must be a list of stages, like [\"retail.proposal\"]");
          continue;
        }
        for (const toml::node& s : *stages) {
          if (!s.is_string() || !isStagePath(s.as_string()->get())) {
            err(lineOf(s.source()), "each stage of `retroactive` is a string \"pipeline.stage\"");
          } else {
            plan.retroactiveEnter.push_back({s.as_string()->get(), lineOf(s.source())});
          }
        }
      }
    } else {
      err(line, fmt::format("unknown section [{}]; a plan has [stages], [timers] and [enter]", section.str()));
    }
  }
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::vector<std::string> messages;
    for (auto& e : errors) messages.push_back(std::move(e.second));
    return failWith(std::move(messages));
  }
  return plan;
}

Result<Plan, std::vector<std::string>> readPlan(const std::string& path) {
  Result<std::string> text = readWholeFile(path);
  if (!text) {
    return failWith(std::vector<std::string>{fmt::format("{}: cannot read the plan file: {}", path, text.error())});
  }
  return parsePlan(*text, path);
}

nlohmann::json planJson(const Plan& plan) {
  nlohmann::json j = nlohmann::json::object();
  j["file"] = plan.path;
  nlohmann::json stages = nlohmann::json::object();
  for (const auto& [from, to] : plan.stages) stages[from] = to.value;
  j["stages"] = stages;
  nlohmann::json timers = nlohmann::json::object();
  for (const auto& [key, p] : plan.timers) timers[key] = policyName(p.value);
  if (plan.changedTimers) timers["changed"] = policyName(plan.changedTimers->value);
  timers["added"] = addedTimersName(plan.addedTimers.value);
  j["timers"] = timers;
  nlohmann::json enter = nlohmann::json::array();
  for (const auto& s : plan.retroactiveEnter) enter.push_back(s.value);
  j["retroactive_enter"] = enter;
  return j;
}

Result<Plan> planFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return fail("not a JSON object");
  Plan plan;
  try {
    plan.path = j.value("file", "");
    const nlohmann::json stages = j.value("stages", nlohmann::json::object());
    const nlohmann::json timers = j.value("timers", nlohmann::json::object());
    const nlohmann::json retroactive = j.value("retroactive_enter", nlohmann::json::array());
    for (const auto& [from, to] : stages.items()) plan.stages[from] = {to.get<std::string>(), 0};
    for (const auto& [key, p] : timers.items()) {
      std::string name = p.get<std::string>();
      if (key == "added") {
        auto a = addedOf(name);
        if (!a) return fail(fmt::format("timers.added: unknown policy \"{}\"", name));
        plan.addedTimers = {*a, 0};
        continue;
      }
      auto policy = policyOf(name);
      if (!policy) return fail(fmt::format("timers.{}: unknown policy \"{}\"", key, name));
      if (key == "changed") {
        plan.changedTimers = Located<TimerPolicy>{*policy, 0};
      } else {
        plan.timers[key] = {*policy, 0};
      }
    }
    for (const auto& s : retroactive) plan.retroactiveEnter.push_back({s.get<std::string>(), 0});
  } catch (const nlohmann::json::exception& e) {
    return fail(e.what());
  }
  return plan;
}

}  // namespace voronka::deploy
