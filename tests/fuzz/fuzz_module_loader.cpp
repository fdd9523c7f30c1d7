// libFuzzer harness: the module loader and verifier (runtime/bytecode). Any
// bytes: a LoadError or a module that the disassembler can print whole.
// Seeds are modules the compiler wrote; the checksum is recomputed so that
// mutations reach the section parsers and the verifier.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/hash.h"
#include "runtime/bytecode/container.h"
#include "runtime/bytecode/disassembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // The header's checksum (bytes 16…23) covers bytes 24…: reseal when the
  // input asks (the checksum's first byte odd), so both the checksum and
  // what is behind it are tried. The switch is inside the checksum, which
  // resealing overwrites anyway: a switch in the magic (byte 0, as before)
  // let no input with valid magic bytes past the checksum.
  if (bytes.size() >= 24 && (bytes[16] & 1)) {
    uint64_t sum = voronka::fnv1a(std::string_view(bytes).substr(24));
    for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<char>(sum >> (8 * i));
  }
  try {
    voronka::bc::Module m = voronka::bc::load(bytes);
    (void)voronka::bc::disassemble(m).size();
  } catch (const voronka::bc::LoadError&) {}
  return 0;
}
