// Texts kept once each, named by a 32-bit id: the memory store's tables hold
// the id where most rows repeat a few texts (task texts, the names of rule
// blocks that fired). Id 0 is the empty text. Texts are never dropped: an
// undo that forgets a row may leave its text behind, which costs a few bytes
// and changes no answer.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/same_text.h"

namespace voronka::store {

class InternedTexts {
 public:
  uint32_t intern(std::string_view text) {
    if (text.empty()) return 0;
    // The same text often comes again from the same place (a module's
    // strings): a small cache by address, checked against the kept text
    // (the address may hold another text by now), spares the hash.
    Recent& recent = recent_[(reinterpret_cast<uintptr_t>(text.data()) >> 4) % kRecent];
    if (recent.data == text.data() && sameText(*recent.kept, text)) return recent.id;
    uint32_t id;
    if (auto it = ids_.find(text); it != ids_.end()) {
      id = it->second;
    } else {
      if (texts_.size() > UINT32_MAX) throw std::length_error("the memory store keeps at most 2^32 distinct texts");
      id = static_cast<uint32_t>(texts_.size());
      texts_.emplace_back(text);
      ids_.emplace(texts_.back(), id);  // views the kept copy
    }
    recent = {text.data(), &texts_[id], id};
    return id;
  }
  const std::string& operator[](uint32_t id) const { return texts_[id]; }

 private:
  std::deque<std::string> texts_{""};  // a deque: the views in ids_ stay valid as it grows
  std::unordered_map<std::string_view, uint32_t> ids_{{texts_.front(), 0}};
  // The kept text by its address, not by id: a deque's [] costs a division.
  struct Recent {
    const char* data = nullptr;
    const std::string* kept = nullptr;
    uint32_t id = 0;
  };
  static constexpr size_t kRecent = 64;
  std::array<Recent, kRecent> recent_{};
};

}  // namespace voronka::store
