// Edit distance between two names, for "did you mean" suggestions in the
// checker and in serve.toml.
#pragma once

#include <cstddef>
#include <string_view>

namespace voronka {

// Edits that turn `a` into `b`, counted in code points (a Cyrillic letter is
// one letter, not two bytes): insert, delete, replace, and swap two
// neighbours (Damerau; each letter takes part in at most one swap).
size_t editDistance(std::string_view a, std::string_view b);

}  // namespace voronka
