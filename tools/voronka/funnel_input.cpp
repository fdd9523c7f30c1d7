#include "tools/voronka/funnel_input.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <vector>

#include "common/read_file.h"
#include "compiler/lower/lower.h"
#include "runtime/bytecode/container.h"
#include "runtime/moddiff/moddiff.h"
#include "tools/voronka/compile_inputs.h"

namespace voronka::tool {

namespace {

constexpr std::string_view kMagic = "VRNKFNLC";

std::optional<FunnelInput> loadModule(const std::string& path, std::string bytes) {
  FunnelInput in;
  in.path = path;
  in.bytes = std::move(bytes);
  try {
    in.module = bc::load(in.bytes);
  } catch (const bc::LoadError& e) {
    std::cerr << fmt::format("voronka: error: {}: {}\n", path, e.what());
    return std::nullopt;
  }
  return in;
}

std::optional<FunnelInput> compileSource(const std::string& path, const std::string& stdlib) {
  CompiledInputs compiled = compileInputs({path}, stdlib, /*union_=*/true);
  if (compiled.exitCode) {
    if (compiled.exitCode == 1) std::cerr << fmt::format("voronka: error: {} does not compile (see above)\n", path);
    return std::nullopt;
  }
  const check::CheckedProgram& program = *compiled.checked.front();
  FunnelInput in;
  in.path = path;
  in.fromSource = true;
  try {
    in.module = lower::lowerProgram(program, compiled.compilation->sources());
    in.bytes = bc::serialize(in.module);
  } catch (const lower::LowerError& e) {
    std::cerr << fmt::format("voronka: error: {}: {}\n", path, e.what());
    return std::nullopt;
  }
  if (!program.calendars.empty() && program.calendars[0].decl && program.calendars[0].decl->title)
    in.account = program.calendars[0].decl->title->value;
  return in;
}

}  // namespace

std::string FunnelInput::checksum() const { return fmt::format("{:016x}", fnv1a(bytes)); }

std::optional<FunnelInput> loadFunnelInput(const std::string& path, const std::string& stdlib) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return compileSource(path, stdlib);
  Result<std::string> read = readWholeFile(path);
  if (!read) {
    std::cerr << fmt::format("voronka: error: cannot read {}: {}\n", path, read.error());
    return std::nullopt;
  }
  std::string bytes = std::move(*read);
  if (bytes.compare(0, kMagic.size(), kMagic) == 0) return loadModule(path, std::move(bytes));
  if (std::filesystem::path(path).extension() == ".funnelc") {
    std::cerr << fmt::format(
        "voronka: error: {} is not a Voronka module (it does not start with \"{}\"): rebuild it with `voronka build`, "
        "or give the .funnel source\n",
        path, kMagic);
    return std::nullopt;
  }
  return compileSource(path, stdlib);
}

std::optional<std::string> storeModuleMismatch(const FunnelInput& old, const std::string& checksum,
                                               const std::optional<std::string>& modulePath) {
  if (old.checksum() == checksum) return std::nullopt;
  std::string why = fmt::format("the store runs another module ({}, checksum {}) than {} (checksum {})",
                                modulePath.value_or("?"), checksum, old.path, old.checksum());
  if (!modulePath) return why;
  Result<std::string> bytes = readWholeFile(*modulePath);
  if (!bytes || fmt::format("{:016x}", fnv1a(*bytes)) != checksum)
    return why + fmt::format(" and {} is not that module any more to compare with", *modulePath);
  try {
    if (moddiff::samePositions(bc::load(*bytes), old.module)) return std::nullopt;
  } catch (const bc::LoadError&) {
    return why;
  }
  return why + ", and they differ in what its records name by position (stages, rules, fields)";
}

bc::SourceLines sourceLinesFromDisk() {
  auto cache = std::make_shared<std::map<std::string, std::vector<std::string>>>();
  return [cache](const std::string& file, int line) -> std::optional<std::string> {
    auto it = cache->find(file);
    if (it == cache->end()) {
      std::vector<std::string> lines;
      std::ifstream in(file);
      for (std::string l; std::getline(in, l);) lines.push_back(l);
      it = cache->emplace(file, std::move(lines)).first;
    }
    if (line < 1 || static_cast<size_t>(line) > it->second.size()) return std::nullopt;
    return it->second[static_cast<size_t>(line) - 1];
  };
}

}  // namespace voronka::tool
