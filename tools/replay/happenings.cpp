// What a store recorded of each deal — moves (history), tasks, outbox
// effects, notes — turned into Happenings named by the module that wrote it.
#include <fmt/format.h>

#include <algorithm>

#include "runtime/engine/values.h"
#include "tools/replay/replay.h"

namespace voronka::replay {
namespace {

std::string stageName(const bc::Module& m, int32_t p, int32_t s, const StageNames& renamed) {
  if (p < 0 || s < 0 || p >= static_cast<int32_t>(m.pipelines.size()) ||
      s >= static_cast<int32_t>(m.pipelines[p].stages.size()))
    return "?";
  std::string name = m.str(m.pipelines[p].name) + "." + m.str(m.pipelines[p].stages[s].name);
  auto it = renamed.find(name);
  return it != renamed.end() ? it->second : name;
}

std::string userName(const bc::Module& m, int32_t u) {
  return u >= 0 && u < static_cast<int32_t>(m.users.size()) ? m.str(m.users[u].name) : "";
}

std::string shorten(const std::string& s, size_t max = 70) {
  size_t shown = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++shown > max) return s.substr(0, i) + "…";
  }
  return s;
}

// An effect's payload without what follows the source file (its line) and
// the moment it was written; its delivery state is the relay's, not the funnel's.
Happening effect(const store::EffectRecord& e) {
  nlohmann::json payload = nlohmann::json::parse(e.payload, nullptr, false);
  if (payload.is_object()) payload.erase("line");
  Happening h{e.createdAt, 2, "effect", "", e.kind + " " + payload.dump()};
  std::string text = e.kind;
  if (payload.is_object()) {
    for (const char* key : {"template", "subject", "text", "url", "event", "to"}) {
      if (payload.contains(key) && payload[key].is_string() && !payload[key].get<std::string>().empty())
        text += fmt::format(" {}={}", key, nlohmann::json(shorten(payload[key].get<std::string>())).dump());
    }
  }
  h.text = text;
  return h;
}

}  // namespace

std::set<std::string> dealIds(store::Store& store) {
  auto tx = store.begin();
  std::vector<std::string> ids = tx->dealIds();
  return {ids.begin(), ids.end()};
}

Happenings collectHappenings(store::Store& store, const bc::Module& m, const std::set<std::string>& deals,
                             const StageNames& renamed) {
  Happenings out;
  auto tx = store.begin();
  for (const std::string& id : deals) {
    std::vector<Happening>& list = out[id];
    for (const store::HistoryRecord& h : tx->historyOf(id)) {
      std::string text = h.fromPipeline < 0
                             ? "created in " + stageName(m, h.toPipeline, h.toStage, renamed)
                             : fmt::format("moved {} → {} ({})", stageName(m, h.fromPipeline, h.fromStage, renamed),
                                           stageName(m, h.toPipeline, h.toStage, renamed), h.how);
      list.push_back({h.at, 0, "stage", text, text});
    }
    for (const store::TaskRecord& t : tx->tasksOf(id)) {
      std::string type =
          t.type >= 0 && t.type < static_cast<int32_t>(m.taskTypes.size()) ? m.str(m.taskTypes[t.type].name) + " " : "";
      std::string text = fmt::format("task {}\"{}\"", type, t.text);
      if (t.due) text += " due " + engine::isoUtc(t.due);
      std::string to = userName(m, t.responsible);
      if (!to.empty()) text += " to " + to;
      list.push_back({t.createdAt, 1, "task", text, text});
    }
    for (const store::EffectRecord& e : tx->effectsOf(id)) list.push_back(effect(e));
    for (const store::NoteRecord& n : tx->notesOf(id)) {
      std::string text = fmt::format("note \"{}\"", n.text);
      list.push_back({n.at, 3, "note", shorten(text, 90), text});
    }
    std::stable_sort(list.begin(), list.end(), [](const Happening& a, const Happening& b) {
      return a.at != b.at ? a.at < b.at : a.order < b.order;
    });
  }
  return out;
}

}  // namespace voronka::replay
