// Internal to compiler/parse: ANTLR's lexer simulator, minus the per-character
// and per-token overheads of runtime 4.9, measured on the 100k-line benchmark:
//
// - every DFA edge lookup takes a lock and a hash lookup (~15% of a parse);
//   here the edges this thread has followed sit in a plain table. DFA states
//   are shared by every lexer of the process and live as long as it (nothing
//   clears the DFA), and an edge, once added, never changes;
// - every token's match wraps a std::function that allocates, to release a
//   mark FunnelCharStream does not need;
// - every `-> skip` and `-> channel(HIDDEN)` goes through the generic action
//   executor: a copied vector of shared_ptrs, dynamic casts, another
//   std::function (~8%). Those two actions are applied directly here; any
//   other action still goes through the executor.
//
// Tokens, positions and errors are exactly those of the plain simulator (the
// lexer tests and every parse test run through this one).
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "antlr4-runtime.h"
#include "compiler/parse/char_stream.h"

namespace voronka::parse {

class LexerSimulator : public antlr4::atn::LexerATNSimulator {
 public:
  // Takes over the ATN, shared DFA and context cache of the lexer's own
  // simulator, which the caller then deletes. Used on the thread that made it.
  explicit LexerSimulator(const antlr4::atn::LexerATNSimulator& original);

  // Only for FunnelCharStream input: mark() and release() are no-ops there.
  size_t match(antlr4::CharStream* input, size_t mode) override;

 protected:
  antlr4::dfa::DFAState* getExistingTargetState(antlr4::dfa::DFAState* state, size_t symbol) override;
  void accept(antlr4::CharStream* input, const std::shared_ptr<antlr4::atn::LexerActionExecutor>& executor,
              size_t startIndex, size_t index, size_t line, size_t charPos) override;

 private:
  // SimState's constructor leaves its DFA state unset and only reset()
  // clears it, which only a SimState may call.
  struct ClearSimState : SimState {
    ClearSimState() { reset(); }
  };
  using EdgeRow = std::array<antlr4::dfa::DFAState*, MAX_DFA_EDGE + 1>;
  // What an action executor does, decided once per executor.
  struct KnownExecutor {
    std::shared_ptr<antlr4::atn::LexerActionExecutor> executor;  // held, so its address stays its own
    enum class Kind { Skip, Channel, Other } kind;
    size_t channel;
  };

  const KnownExecutor& classify(const std::shared_ptr<antlr4::atn::LexerActionExecutor>& executor);

  std::vector<EdgeRow>* edges_;                 // this thread's, by source state number
  std::vector<KnownExecutor>* knownExecutors_;  // this thread's
};

}  // namespace voronka::parse
