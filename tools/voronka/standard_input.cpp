#include "tools/voronka/standard_input.h"

#include <algorithm>
#include <iostream>
#include <iterator>

namespace voronka::tool {

void addStdinFilenameOption(CLI::App* cmd, std::string& target) {
  cmd->add_option("--stdin-filename", target,
                  "With `-`: the path the funnel read from standard input stands for (messages, `use`, voronka.toml); "
                  "default <stdin> in the working directory");
}

bool readStandardInput(const std::vector<std::string>& paths, const std::string& stdinFilename,
                       std::optional<driver::StandardInput>& input) {
  input.reset();
  if (std::find(paths.begin(), paths.end(), "-") == paths.end()) {
    if (stdinFilename.empty()) return true;
    std::cerr << "voronka: error: --stdin-filename names the funnel read from standard input; give `-` as a path\n";
    return false;
  }
  std::string text(std::istreambuf_iterator<char>(std::cin), {});
  if (std::cin.bad()) {
    std::cerr << "voronka: error: cannot read standard input\n";
    return false;
  }
  input = driver::StandardInput{stdinFilename.empty() ? std::string("<stdin>") : stdinFilename, std::move(text)};
  return true;
}

}  // namespace voronka::tool
