// Looking things up by name in a module: for the wire format, `voronka run`,
// the test runner and the HTTP API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/bytecode/module.h"

namespace voronka::engine {

class Names {
 public:
  explicit Names(const bc::Module& m);

  int32_t event(std::string_view name) const { return events_.find(name); }
  int32_t field(std::string_view name) const { return fields_.find(name); }
  int32_t pipeline(std::string_view name) const { return pipelines_.find(name); }
  int32_t stage(int32_t pipeline, std::string_view name) const;
  int32_t user(std::string_view name) const { return users_.find(name); }
  // The filter argument of an event as the engine encodes it (an index of the
  // argument's kind, or a string for tags); nullopt when it names nothing.
  std::optional<int32_t> argument(int32_t event, std::string_view text) const;
  std::string eventList() const;

 private:
  // Names to their index, looked up once or more per wire event: open
  // addressing in one array of 8-byte slots (the name's hash and its index),
  // a short hash of the bytes, the name compared only when the hash agrees.
  // A node-based map made each look a few pointer chases.
  class Table {
   public:
    // The first of equal names keeps the name.
    void add(std::string_view name, int32_t index);
    int32_t find(std::string_view name) const;  // bc::kNo when absent

   private:
    static uint32_t hashOf(std::string_view name);
    void place(size_t row);        // puts names_[row] in its slot
    std::vector<uint64_t> slots_;  // hash << 32 | (row + 1); 0 is empty
    std::vector<std::string> names_;
    std::vector<int32_t> indexes_;
  };
  const bc::Module& m_;
  Table events_, fields_, pipelines_, users_, templates_, forms_, channels_, taskTypes_;
};

}  // namespace voronka::engine
