// Comparing secrets (API tokens, webhook secrets, CSRF tokens) without
// telling an attacker through timing how much of a guess was right.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace voronka {

// True when `given` equals `expected` and `expected` is not empty. The time
// taken depends on the lengths only, never on where the two differ.
bool sameSecret(std::string_view given, std::string_view expected);

// The index of the secret `given` equals in `secrets`, or -1. Every secret
// is compared, so the time does not say which one matched either.
int findSecret(const std::vector<std::string>& secrets, std::string_view given);

}  // namespace voronka
