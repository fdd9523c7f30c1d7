// Reading a file the user named (a funnel, a config, an event log), with a
// reason fit for "cannot read PATH: WHY" when it cannot be read:
// "there is no such file", "it is a directory", or the system's own
// ("Permission denied"). On Linux a std::ifstream opens a directory without
// complaint and then reads nothing (or throws on its first read), so a
// config given as a directory was taken for an empty one: every reader of a
// named file goes through here instead.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "common/result.h"

namespace voronka {

// The file's bytes, whole.
Result<std::string> readWholeFile(const std::filesystem::path& path);

// Opens `in` on the file for reading as a stream (an event log too large to
// hold); the same reasons as readWholeFile when it cannot.
Result<void> openForReading(std::ifstream& in, const std::filesystem::path& path,
                            std::ios::openmode mode = std::ios::in);

}  // namespace voronka
