// A storage failure a user can act on: the message names the store's file
// (or database) and what went wrong. Durable stores throw it; it is a
// std::runtime_error so callers that only know the Store interface catch it.
#pragma once

#include <stdexcept>

namespace voronka::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Another server holds the store (its lock): nothing is wrong with the store.
class StoreBusy : public StoreError {
 public:
  using StoreError::StoreError;
};

}  // namespace voronka::store
