#include "compiler/driver/session.h"

#include "compiler/driver/standard_library.h"

namespace voronka::driver {

namespace fs = std::filesystem;

Session::Session(SessionOptions options)
    : stdlibDir_(options.stdlibDir.empty() ? defaultStdlibDir() : std::move(options.stdlibDir)),
      standardInput_(std::move(options.standardInput)) {}

std::unique_ptr<Compilation> Session::newCompilation(bool lint, const parse::ParseOptions& parse) const {
  CompileOptions options;
  options.stdlibDir = stdlibDir_;
  options.standardInput = standardInput_;
  options.parse = parse;
  options.lint = lint;
  return std::make_unique<Compilation>(std::move(options));
}

bool Session::useConfigFile(const fs::path& file, std::string& error) {
  configFile_ = loadProjectConfig(file, error);
  return configFile_.has_value();
}

const ProjectConfig* Session::configFor(const fs::path& file, std::string& error) {
  if (configFile_) return &*configFile_;
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::optional<fs::path> path = findProjectConfig(dir);
  if (!path) return nullptr;
  std::error_code ec;
  fs::file_time_type modified = fs::last_write_time(*path, ec);
  auto it = found_.find(*path);
  if (it != found_.end() && !ec && it->second.modified == modified) return &it->second.config;
  std::optional<ProjectConfig> config = loadProjectConfig(*path, error);
  if (!config) {
    if (it != found_.end()) found_.erase(it);  // a broken file no longer applies
    return nullptr;
  }
  FoundConfig& entry = found_[*path];
  entry = FoundConfig{std::move(*config), modified};
  return &entry.config;
}

std::optional<Severity> Session::failLevel() const {
  std::optional<Severity> level = configFile_ ? configFile_->failLevel : std::nullopt;
  for (const auto& [path, found] : found_) {
    const std::optional<Severity>& own = found.config.failLevel;
    if (own && (!level || *own < *level)) level = own;
  }
  return level;
}

}  // namespace voronka::driver
