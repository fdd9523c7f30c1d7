// The module versions a running server knows: the one it applies events
// with, and those it ran before in this process. A deployment through the
// API (live_deploy.h) adds one while deals still run on the previous: the
// HTTP threads read each deal with its own version's module.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/bytecode/module.h"
#include "runtime/engine/names.h"

namespace voronka::server {

class LiveVersions {
 public:
  struct Version {
    std::shared_ptr<const bc::Module> module;
    std::shared_ptr<const engine::Names> names;
    std::string id;  // the content hash (runtime/deploy/version_id.h); empty when versions are not kept
  };

  explicit LiveVersions(Version first) { all_.push_back(std::move(first)); }

  // The version new events are applied with.
  Version current() const {
    std::lock_guard lock(mutex_);
    return all_.back();
  }
  // The module a deal recorded as running on `id` is read with: the current
  // one when `id` is unknown (a store without versions).
  std::shared_ptr<const bc::Module> moduleOf(const std::string& id) const {
    std::lock_guard lock(mutex_);
    for (auto it = all_.rbegin(); it != all_.rend(); ++it) {
      if (it->id == id) return it->module;
    }
    return all_.back().module;
  }
  // A version deals may still run on (an interrupted deployment resumed):
  // read with, never current.
  void addEarlier(Version earlier) {
    std::lock_guard lock(mutex_);
    all_.insert(all_.begin(), std::move(earlier));
  }
  // Becomes the current version.
  void add(Version next) {
    std::lock_guard lock(mutex_);
    all_.push_back(std::move(next));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Version> all_;
};

}  // namespace voronka::server
