// The standard library: where its directory is, and how `use std.a.b` names
// a file in it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace voronka::driver {

// The directory of the std.* modules when no --stdlib is given: the
// environment variable VORONKA_STDLIB, else the directory this binary was
// built with (the VORONKA_STDLIB_DIR compile definition).
std::filesystem::path defaultStdlibDir();

// The file of a standard module under the stdlib directory: "std.a.b" is
// "a/b.funnel"; nullopt when the path is not "std." and a name.
std::optional<std::filesystem::path> standardModuleFile(const std::string& usePath);

// The names of the standard modules in `stdlibDir`, sorted ("std.a.b"), for
// the message about an unknown one.
std::vector<std::string> standardModules(const std::filesystem::path& stdlibDir);

}  // namespace voronka::driver
