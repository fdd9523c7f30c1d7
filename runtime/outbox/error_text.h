// Pieces of other systems' text quoted in lastError: short, on one line,
// and without secrets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace voronka::outbox {

// One line, at most `limit` bytes (cut between UTF-8 characters): for
// quoting what a server answered.
std::string excerpt(std::string_view text, size_t limit = 200);

// "https://host/path" of a URL: its credentials, query and fragment, which
// may hold secrets, stay out of error messages.
std::string urlForMessages(std::string_view url);

}  // namespace voronka::outbox
