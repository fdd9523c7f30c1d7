// Runs a libFuzzer harness over files without libFuzzer: each argument is a
// file or a directory of files. Built with the ordinary compiler so that the
// seeds and every crash the fuzzers found stay regression tests in ctest.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  size_t ran = 0;
  auto run = [&](const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    ++ran;
  };
  for (int i = 1; i < argc; ++i) {
    fs::path p = argv[i];
    if (fs::is_directory(p)) {
      for (const auto& entry : fs::recursive_directory_iterator(p)) {
        if (entry.is_regular_file() && entry.path().filename() != ".gitkeep") run(entry.path());
      }
    } else if (fs::exists(p)) {
      run(p);
    }
  }
  std::cout << ran << " inputs ran without a crash\n";
  return 0;
}
