// How an AST struct describes itself: its name and its fields, written once
// beside its members. Everything that goes over the whole tree (walk.h: the
// dump, the index, the formatter's hints, the language server's range
// shifting) reads this list instead of naming the members again, so a new
// field or node is seen by all of them.
//
//   struct TaskAction : Action {
//     std::optional<TaskTypeRef> type;
//     InterpolatedText text;
//     VORONKA_AST_FIELDS(TaskAction, type, text)
//   };
//
// A node's `range` (from ast::Node) is not listed: walk.h visits it first.
#pragma once

#include <string_view>

#define VORONKA_AST_FIELDS(Struct, ...)                         \
  static constexpr std::string_view kNodeName = #Struct;        \
  static constexpr std::string_view kFieldNames = #__VA_ARGS__; \
  template <typename F>                                         \
  void forEachField(F&& f) {                                    \
    f(__VA_ARGS__);                                             \
  }                                                             \
  template <typename F>                                         \
  void forEachField(F&& f) const {                              \
    f(__VA_ARGS__);                                             \
  }

namespace voronka::ast {

// The name of field `index` of a VORONKA_AST_FIELDS list ("type", "text"…).
constexpr std::string_view fieldName(std::string_view names, size_t index) {
  size_t begin = 0;
  for (size_t i = 0; i < index; ++i) {
    begin = names.find(',', begin);
    if (begin == std::string_view::npos) return {};
    ++begin;
  }
  while (begin < names.size() && names[begin] == ' ') ++begin;
  size_t end = names.find(',', begin);
  return names.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
}

}  // namespace voronka::ast
