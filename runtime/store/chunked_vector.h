// A vector kept in chunks of 2^Shift items that never move. Indexing is a
// shift and a mask; growing adds a chunk and copies nothing. A std::vector
// copies everything it holds when it grows, and can hold up to twice the
// room it needs; std::deque's blocks hold a few large items only, and its
// indexing costs a division. For the memory store's big tables (timer
// slots, tasks), where a million items are usual, and for its effects,
// whose records are too large for a deque to hold more than one per block.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace voronka::store {

template <typename T, size_t Shift = 10>
class ChunkedVector {
 public:
  T& operator[](size_t i) { return chunks_[i >> Shift][i & kMask]; }
  const T& operator[](size_t i) const { return chunks_[i >> Shift][i & kMask]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }
  void push_back(const T& item) { room() = item; }
  void push_back(T&& item) { room() = std::move(item); }
  // A new last item, as a default T is (or as pop_back() left it), to be
  // filled in place: no item is built to be moved in.
  T& emplace_back() { return room(); }
  // Its chunk stays, for the next push_back.
  void pop_back() {
    --size_;
    (*this)[size_] = T();
  }

 private:
  static constexpr size_t kMask = (size_t{1} << Shift) - 1;
  // The item after the last, counted in.
  T& room() {
    if ((size_ >> Shift) == chunks_.size()) chunks_.push_back(std::make_unique<T[]>(kMask + 1));
    return (*this)[size_++];
  }
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace voronka::store
