// Writing a file the user named (a module, a report, a chart, a formatted
// funnel, crm.toml) whole or not at all: the bytes go to a temporary
// beside it, which is renamed over it only once written, so neither a
// reader nor a crash ever sees half a file, and a failure leaves the file
// that was there as it was. The file keeps its permissions, and a symbolic
// link stays a link: the file it points to is the one replaced. The reason when
// it cannot be written is fit for "cannot write PATH: WHY": "it is a
// directory", "there is no such directory", or the system's own. Not
// synced to disk: a power cut may lose the new file (runtime/crm/tokens.cpp
// keeps secrets, and syncs).
#pragma once

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace voronka {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temporary unless committed

  // Makes the temporary: a path that cannot be written is then known before
  // the work that fills it (a long simulation, say).
  Result<void> open();
  // Writes the bytes to the temporary (opening it first if open() was not
  // called) and renames it over the file.
  Result<void> commit(std::string_view bytes);

 private:
  std::filesystem::path path_, temporary_;
  int fd_ = -1;
  bool made_ = false;  // the temporary exists and is ours to remove
};

// AtomicFile(path).commit(bytes).
Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace voronka
