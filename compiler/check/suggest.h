// "Did you mean …?": the closest declared name to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voronka::check {

// Edit distance in code points (Damerau: a swap of neighbours costs one).
size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `name`, if it is close enough to be a likely typo.
std::optional<std::string> closestName(std::string_view name, const std::vector<std::string>& candidates);

// True when `name` mixes Latin and Cyrillic letters: "сall" with a Cyrillic с
// looks right and is not. Such names get a note of their own.
bool mixesScripts(std::string_view name);

// Latin look-alikes replace Cyrillic letters ("сall" → "call").
std::string latinLookalike(std::string_view name);

}  // namespace voronka::check
