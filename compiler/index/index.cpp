#include "compiler/index/index.h"

#include <algorithm>

namespace voronka::index {

std::string_view kindName(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::Pipeline: return "pipeline";
    case SymbolKind::Stage: return "stage";
    case SymbolKind::Field: return "field";
    case SymbolKind::EnumMember: return "enum member";
    case SymbolKind::Template: return "template";
    case SymbolKind::Form: return "form";
    case SymbolKind::Team: return "team";
    case SymbolKind::User: return "user";
    case SymbolKind::Event: return "event";
    case SymbolKind::Payload: return "payload field";
    case SymbolKind::Integration: return "integration";
    case SymbolKind::Reasons: return "reasons";
    case SymbolKind::Calendar: return "calendar";
    case SymbolKind::TaskType: return "task type";
    case SymbolKind::Channel: return "channel";
    case SymbolKind::Test: return "test";
    case SymbolKind::Enum: return "enum";
  }
  return "name";
}

const Occurrence* Index::at(FileId file, uint32_t offset) const {
  // The last occurrence starting at or before `offset`; names do not nest.
  auto it = std::upper_bound(occurrences.begin(), occurrences.end(), std::make_pair(file, offset),
                             [](const std::pair<FileId, uint32_t>& key, const Occurrence& o) {
                               return key.first != o.range.file ? key.first < o.range.file : key.second < o.range.begin;
                             });
  while (it != occurrences.begin()) {
    --it;
    if (it->range.file != file) return nullptr;
    if (it->range.begin <= offset && offset <= it->range.end) return &*it;
    if (it->range.end < offset) return nullptr;
  }
  return nullptr;
}

std::vector<const Occurrence*> Index::referencesTo(int symbol) const {
  std::vector<const Occurrence*> out;
  for (const auto& o : occurrences) {
    if (o.symbol == symbol) out.push_back(&o);
  }
  return out;
}

int Index::find(SymbolKind kind, std::string_view name, std::string_view container) const {
  for (size_t i = 0; i < symbols.size(); ++i) {
    const Symbol& s = symbols[i];
    if (s.kind == kind && s.name == name && (container.empty() || s.container == container)) return static_cast<int>(i);
  }
  return -1;
}

std::vector<int> Index::all(SymbolKind kind) const {
  std::vector<int> out;
  for (size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i].kind == kind) out.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace voronka::index
