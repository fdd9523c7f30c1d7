#include "runtime/engine/names.h"

#include <algorithm>
#include <bit>

#include "common/same_text.h"
#include "common/text_hash.h"

namespace voronka::engine {

Names::Names(const bc::Module& m) : m_(m) {
  auto fill = [&](Table& t, const auto& items) {
    for (size_t i = 0; i < items.size(); ++i) t.add(m.str(items[i].name), static_cast<int32_t>(i));
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

uint32_t Names::Table::hashOf(std::string_view name) { return static_cast<uint32_t>(hashText(name)); }

void Names::Table::add(std::string_view name, int32_t index) {
  if (find(name) != bc::kNo) return;
  names_.emplace_back(name);
  indexes_.push_back(index);
  if (2 * names_.size() <= slots_.size()) {  // at most half full
    place(names_.size() - 1);
    return;
  }
  slots_.assign(std::bit_ceil(std::max<size_t>(16, 4 * names_.size())), 0);  // a power of two: masks wrap
  for (size_t row = 0; row < names_.size(); ++row) place(row);
}

void Names::Table::place(size_t row) {
  uint64_t h = hashOf(names_[row]);
  size_t at = h & (slots_.size() - 1);
  while (slots_[at] != 0) at = (at + 1) & (slots_.size() - 1);
  slots_[at] = (h << 32) | (row + 1);
}

int32_t Names::Table::find(std::string_view name) const {
  if (slots_.empty()) return bc::kNo;
  uint32_t h = hashOf(name);
  for (size_t at = h & (slots_.size() - 1);; at = (at + 1) & (slots_.size() - 1)) {
    uint64_t slot = slots_[at];
    if (slot == 0) return bc::kNo;
    size_t row = static_cast<uint32_t>(slot) - 1;
    if (static_cast<uint32_t>(slot >> 32) == h && sameText(names_[row], name)) return indexes_[row];
  }
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
    int32_t i = t.find(text);
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
