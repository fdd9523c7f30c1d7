// "Did you mean …?": the closest declared name to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voronka::check {

// The candidate closest to `name`, if it is close enough to be a likely typo:
// at most a third of its letters edited (common/edit_distance.h).
std::optional<std::string> closestName(std::string_view name, const std::vector<std::string>& candidates);

// True when `name` mixes Latin and Cyrillic letters: "сall" with a Cyrillic с
// looks right and is not. Such names get a note of their own.
bool mixesScripts(std::string_view name);

// Latin look-alikes replace Cyrillic letters ("сall" → "call").
std::string latinLookalike(std::string_view name);

}  // namespace voronka::check
