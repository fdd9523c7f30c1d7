#include "common/secret.h"

namespace voronka {

bool sameSecret(std::string_view given, std::string_view expected) {
  if (expected.empty()) return false;
  // Walk `given` whole, against `expected` repeated, so that the loop's
  // length and each step's work do not depend on the contents.
  unsigned char differ = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    differ |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  return differ == 0;
}

int findSecret(const std::vector<std::string>& secrets, std::string_view given) {
  int found = -1;
  for (size_t i = 0; i < secrets.size(); ++i) {
    if (sameSecret(given, secrets[i]) && found < 0) found = static_cast<int>(i);
  }
  return found;
}

}  // namespace voronka
