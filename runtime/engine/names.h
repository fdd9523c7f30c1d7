// Looking things up by name in a module: for the wire format, `voronka run`,
// the test runner and the HTTP API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/bytecode/module.h"

namespace voronka::engine {

class Names {
 public:
  explicit Names(const bc::Module& m);

  int32_t event(std::string_view name) const { return find(events_, name); }
  int32_t field(std::string_view name) const { return find(fields_, name); }
  int32_t pipeline(std::string_view name) const { return find(pipelines_, name); }
  int32_t stage(int32_t pipeline, std::string_view name) const;
  int32_t user(std::string_view name) const { return find(users_, name); }
  // The filter argument of an event as the engine encodes it (an index of the
  // argument's kind, or a string for tags); nullopt when it names nothing.
  std::optional<int32_t> argument(int32_t event, std::string_view text) const;
  std::string eventList() const;

 private:
  // Looked up by string_view without making a std::string of it.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using Table = std::unordered_map<std::string, int32_t, Hash, std::equal_to<>>;
  static int32_t find(const Table& t, std::string_view name);
  const bc::Module& m_;
  Table events_, fields_, pipelines_, users_, templates_, forms_, channels_, taskTypes_;
};

}  // namespace voronka::engine
