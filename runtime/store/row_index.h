// Rows found by their text id: the memory store's index of its deals and of its events. Open
// addressing in one array of 8-byte slots, each the row's number and its
// id's hash, so that a look among millions of deals costs a cache miss for
// the slot and one for the row; a node-based map costs two or three before
// the row. The ids themselves are kept by the rows (`idOf`).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "common/same_text.h"
#include "common/text_hash.h"

namespace voronka::store {

class RowIndex {
 public:
  // The row whose id is `id`; idOf(row) gives a row's id.
  template <typename IdOf>
  std::optional<uint32_t> find(std::string_view id, IdOf idOf) const {
    if (slots_.empty()) return std::nullopt;
    uint32_t hash = hashOf(id);
    for (size_t i = hash & mask();; i = (i + 1) & mask()) {
      uint64_t slot = slots_[i];
      if (slot == 0) return std::nullopt;
      if (static_cast<uint32_t>(slot) == hash && sameText(idOf(rowOf(slot)), id)) return rowOf(slot);
    }
  }

  // Adds `row` under `id`, which no row has.
  void add(std::string_view id, uint32_t row) {
    if (row == UINT32_MAX) throw std::length_error("the memory store keeps at most 2^32 - 1 deals, and as many events");
    if ((count_ + 1) * 2 > slots_.size()) grow();  // at most half full
    place((uint64_t{row} + 1) << 32 | hashOf(id));
    ++count_;
  }

  // Takes out `row`, which is under `id`.
  void remove(std::string_view id, uint32_t row) {
    uint32_t hash = hashOf(id);
    size_t at = hash & mask();
    while (slots_[at] != 0 && rowOf(slots_[at]) != row) at = (at + 1) & mask();
    if (slots_[at] == 0) throw std::logic_error("RowIndex::remove: no such row");
    // Those after it in its run move back where a look would not find them
    // past the hole (linear probing keeps no tombstones).
    for (size_t next = (at + 1) & mask(); slots_[next] != 0; next = (next + 1) & mask()) {
      size_t home = static_cast<uint32_t>(slots_[next]) & mask();
      bool homeBetween = at <= next ? at < home && home <= next : at < home || home <= next;
      if (homeBetween) continue;
      slots_[at] = slots_[next];
      at = next;
    }
    slots_[at] = 0;
    --count_;
  }

  size_t size() const { return count_; }

 private:
  static uint32_t hashOf(std::string_view id) { return static_cast<uint32_t>(hashText(id)); }
  static uint32_t rowOf(uint64_t slot) { return static_cast<uint32_t>(slot >> 32) - 1; }
  size_t mask() const { return slots_.size() - 1; }
  void place(uint64_t slot) {
    size_t i = static_cast<uint32_t>(slot) & mask();
    while (slots_[i] != 0) i = (i + 1) & mask();
    slots_[i] = slot;
  }
  void grow() {
    std::vector<uint64_t> old = std::move(slots_);
    slots_.assign(std::max<size_t>(16, old.size() * 2), 0);
    for (uint64_t slot : old) {
      if (slot != 0) place(slot);
    }
  }

  std::vector<uint64_t> slots_;  // (row + 1) << 32 | hash; 0: empty; a power of two of them
  size_t count_ = 0;
};

}  // namespace voronka::store
