#include "compiler/parse/lexer_simulator.h"

namespace voronka::parse {

LexerSimulator::LexerSimulator(const antlr4::atn::LexerATNSimulator& original)
    : antlr4::atn::LexerATNSimulator(original) {
  // Per thread: other threads' lexers add to the shared DFA, and these
  // tables are read without a lock.
  thread_local std::vector<EdgeRow> edges;
  thread_local std::vector<KnownExecutor> known;
  edges_ = &edges;
  knownExecutors_ = &known;
}

size_t LexerSimulator::match(antlr4::CharStream* input, size_t mode) {
  _mode = mode;
  _startIndex = input->index();
  _prevAccept = ClearSimState();
  const antlr4::dfa::DFA& dfa = _decisionToDFA[mode];
  return dfa.s0 ? execATN(input, dfa.s0) : matchATN(input);
}

antlr4::dfa::DFAState* LexerSimulator::getExistingTargetState(antlr4::dfa::DFAState* state, size_t symbol) {
  if (symbol > MAX_DFA_EDGE || state->stateNumber < 0) {
    return antlr4::atn::LexerATNSimulator::getExistingTargetState(state, symbol);
  }
  size_t from = static_cast<size_t>(state->stateNumber);
  if (from >= edges_->size()) edges_->resize(from + 1, EdgeRow{});
  antlr4::dfa::DFAState*& known = (*edges_)[from][symbol];
  if (!known) known = antlr4::atn::LexerATNSimulator::getExistingTargetState(state, symbol);
  return known;
}

const LexerSimulator::KnownExecutor& LexerSimulator::classify(
    const std::shared_ptr<antlr4::atn::LexerActionExecutor>& executor) {
  for (const KnownExecutor& k : *knownExecutors_) {
    if (k.executor.get() == executor.get()) return k;
  }
  KnownExecutor k{executor, KnownExecutor::Kind::Other, 0};
  std::vector<std::shared_ptr<antlr4::atn::LexerAction>> actions = executor->getLexerActions();
  if (actions.size() == 1) {
    switch (actions[0]->getActionType()) {
      case antlr4::atn::LexerActionType::SKIP: k.kind = KnownExecutor::Kind::Skip; break;
      case antlr4::atn::LexerActionType::CHANNEL:
        k.kind = KnownExecutor::Kind::Channel;
        k.channel = static_cast<size_t>(static_cast<const antlr4::atn::LexerChannelAction&>(*actions[0]).getChannel());
        break;
      default: break;
    }
  }
  knownExecutors_->push_back(k);
  return knownExecutors_->back();
}

void LexerSimulator::accept(antlr4::CharStream* input,
                            const std::shared_ptr<antlr4::atn::LexerActionExecutor>& executor, size_t startIndex,
                            size_t index, size_t line, size_t charPos) {
  input->seek(index);
  _line = line;
  _charPositionInLine = charPos;
  if (!executor || !_recog) return;
  const KnownExecutor& k = classify(executor);
  switch (k.kind) {
    case KnownExecutor::Kind::Skip: _recog->skip(); break;
    case KnownExecutor::Kind::Channel: _recog->setChannel(k.channel); break;
    case KnownExecutor::Kind::Other: executor->execute(_recog, input, startIndex); break;
  }
}

}  // namespace voronka::parse
