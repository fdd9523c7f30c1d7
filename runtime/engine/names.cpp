#include "runtime/engine/names.h"

namespace voronka::engine {

Names::Names(const bc::Module& m) : m_(m) {
  auto fill = [&](Table& t, const auto& items) {
    for (size_t i = 0; i < items.size(); ++i) t.emplace(m.str(items[i].name), static_cast<int32_t>(i));
  };
  fill(events_, m.events);
  fill(fields_, m.fields);
  fill(pipelines_, m.pipelines);
  fill(users_, m.users);
  fill(templates_, m.templates);
  fill(forms_, m.forms);
  fill(channels_, m.channels);
  fill(taskTypes_, m.taskTypes);
}

int32_t Names::find(const Table& t, std::string_view name) {
  auto it = t.find(name);
  return it == t.end() ? bc::kNo : it->second;
}

int32_t Names::stage(int32_t pipeline, std::string_view name) const {
  if (pipeline < 0) return bc::kNo;
  const auto& stages = m_.pipelines[static_cast<size_t>(pipeline)].stages;
  for (size_t i = 0; i < stages.size(); ++i) {
    if (m_.str(stages[i].name) == name) return static_cast<int32_t>(i);
  }
  return bc::kNo;
}

std::optional<int32_t> Names::argument(int32_t event, std::string_view text) const {
  if (text.empty()) return bc::kNo;
  auto found = [&](const Table& t) -> std::optional<int32_t> {
    int32_t i = find(t, text);
    return i == bc::kNo ? std::nullopt : std::optional(i);
  };
  switch (m_.events[static_cast<size_t>(event)].arg) {
    case bc::ArgKind::None: return std::nullopt;
    case bc::ArgKind::Template: return found(templates_);
    case bc::ArgKind::Form: return found(forms_);
    case bc::ArgKind::Channel: return found(channels_);
    case bc::ArgKind::TaskType: return found(taskTypes_);
    case bc::ArgKind::Field: return found(fields_);
    case bc::ArgKind::Tag: return bc::kNo;  // tags travel as text
  }
  return std::nullopt;
}

std::string Names::eventList() const {
  std::string out;
  for (const auto& e : m_.events) {
    if (e.lifecycle || e.kind == bc::EventKind::ManualMove) continue;  // manual_move is a wire type of its own
    out += (out.empty() ? "" : ", ") + m_.str(e.name);
  }
  return out;
}

}  // namespace voronka::engine
