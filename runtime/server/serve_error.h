// Why `voronka serve` could not start, in two kinds the command line maps to
// its exit status.
#pragma once

#include <string>

namespace voronka::server {

struct ServeError {
  enum class Kind {
    Refused,  // the store or module cannot be used: locked by another server, written by another module (exit 1)
    Setup,    // a wrong setting, or the store or socket failed to open (exit 2)
  };
  Kind kind = Kind::Setup;
  std::string message;
};

}  // namespace voronka::server
