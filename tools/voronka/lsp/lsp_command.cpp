// `voronka lsp`: the language server on stdin/stdout (editors start it; see docs/editors.md).
#include <iostream>

#include "compiler/driver/compilation.h"
#include "tools/voronka/commands.h"
#include "tools/voronka/lsp/server.h"

namespace voronka::tool {

Runner addLspCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("lsp", "Run the language server (LSP 3.17 over stdin/stdout) for editors");
  auto stdlib = std::make_shared<std::string>();
  cmd->add_option("--stdlib", *stdlib, "Directory of the std.* modules (default: $VORONKA_STDLIB or the built-in one)");
  cmd->footer("Editors start this themselves: VS Code through editors/vscode, Vim and Neovim through an LSP client.");
  return [stdlib]() {
    lsp::ServerOptions options;
    options.stdlibDir = *stdlib;
    std::ios::sync_with_stdio(false);
    // The reader thread reads stdin while the server writes stdout: cin must
    // not flush cout behind the transport's lock.
    std::cin.tie(nullptr);
    lsp::Transport transport(std::cin, std::cout);
    lsp::Server server(transport, options);
    int code = 1;
    // Deep but legal input must not overflow the parser's recursion.
    driver::runWithLargeStack([&] { code = server.run(); });
    return code;
  };
}

}  // namespace voronka::tool
