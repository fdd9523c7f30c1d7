// `voronka build FILES -o x.funnelc`: compile a program to a verified module.
#include <fmt/format.h>

#include <iostream>

#include "common/write_file.h"
#include "compiler/lower/lower.h"
#include "runtime/bytecode/container.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/compile_inputs.h"
#include "tools/voronka/standard_input.h"

namespace voronka::tool {

Runner addBuildCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("build", "Compile funnel files (and the files they `use`) into one bytecode module");
  struct Options {
    std::vector<std::string> paths;
    std::string output = "funnel.funnelc";
    std::string stdlib;
    std::string color = "auto";
    std::string stdinFilename;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("paths", o->paths, "Files or directories; together they form one program; `-`: standard input")
      ->required();
  addStdinFilenameOption(cmd, o->stdinFilename);
  cmd->add_option("--color", o->color, "Color the error messages: auto (a terminal, no NO_COLOR), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("-o,--output", o->output, "The module to write (default funnel.funnelc)");
  cmd->add_option("--stdlib", o->stdlib, "Directory of the std.* modules");
  cmd->footer(
      "The module runs with `voronka run`; `voronka disasm` shows what is inside.\n"
      "Exit status: 0 written, 1 errors in the funnels, 2 usage or I/O error.");
  return [o]() {
    CompiledInputs in = compileInputs(o->paths, o->stdlib, /*union_=*/true, o->color, o->stdinFilename);
    if (in.exitCode) return in.exitCode;
    const check::CheckedProgram& program = *in.checked.front();
    std::string bytes;
    try {
      bc::Module module = lower::lowerProgram(program, in.compilation->sources());
      bytes = bc::serialize(module);
      bc::load(bytes);  // what we write must load: the verifier has the last word
    } catch (const lower::LowerError& e) {
      std::cerr << "voronka: error: " << e.what() << "\n";
      return 1;
    } catch (const bc::LoadError& e) {
      std::cerr << "voronka: internal error: the compiled module does not verify: " << e.what() << "\n";
      return 1;
    }
    // Readers (a server reloading it) never see half a module.
    if (Result<void> written = writeFileAtomically(o->output, bytes); !written) {
      std::cerr << fmt::format("voronka: error: cannot write {}: {}\n", o->output, written.error());
      return 2;
    }
    std::cout << fmt::format("wrote {} ({} bytes: {} pipelines, {} rules)\n", o->output, bytes.size(),
                             program.pipelines.size(), program.rules.size());
    return 0;
  };
}

}  // namespace voronka::tool
