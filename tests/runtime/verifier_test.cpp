// Loading never trusts the file: truncated, corrupted or crafted bytes give a
// LoadError with a message, never a crash or an out-of-bounds read.
#include <gtest/gtest.h>

#include <random>

#include "common/hash.h"
#include "runtime/bytecode/container.h"
#include "runtime/bytecode/opcodes.h"
#include "runtime/bytecode/verifier.h"
#include "tests/runtime/engine_support.h"

namespace voronka {
namespace {

const char* kSource = R"(
account "A" { timezone "Europe/Moscow" workhours mon..fri 09:00-18:00 }
field budget: money
field source: enum { site "Сайт", call "Звонок" }
template email hi "Здравствуйте, {deal.name}" { body "Бюджет {budget}" }
pipeline p "P" {
  stage a "A" {
    on create when budget > 100 and source == site { email hi  task "Позвонить" due 1d }
    after 2d within workhours { note "{budget}" }
  }
  stage b "B" {
    require budget > 0 "Бюджет"
    on enter when deal.previous_stage == a and deal.pipeline == p { note "{deal.stage}" }
  }
  won "Won"
  lost "Lost" reasons { "Дорого" other "Другое" }
}
)";

std::string validBytes() { return bc::serialize(testing::compileModule(kSource)); }

// Rewrites the checksum so a mutation reaches the section parsers and the verifier.
void reseal(std::string& bytes) {
  if (bytes.size() < 24) return;
  uint64_t sum = fnv1a(std::string_view(bytes).substr(24));
  for (int i = 0; i < 8; ++i) bytes[16 + i] = static_cast<char>(sum >> (8 * i));
}

TEST(Verifier, AcceptsWhatTheCompilerWrites) {
  std::string bytes = validBytes();
  EXPECT_NO_THROW(bc::load(bytes));
}

TEST(Verifier, RejectsEveryTruncation) {
  std::string bytes = validBytes();
  for (size_t n = 0; n < bytes.size(); n += (n < 256 ? 1 : 7)) {
    std::string cut = bytes.substr(0, n);
    reseal(cut);
    EXPECT_THROW(bc::load(cut), bc::LoadError) << "length " << n;
  }
}

TEST(Verifier, ChecksumCatchesAFlippedBit) {
  std::string bytes = validBytes();
  bytes[bytes.size() / 2] ^= 0x10;
  try {
    bc::load(bytes);
    FAIL() << "loaded a corrupted file";
  } catch (const bc::LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

TEST(Verifier, RandomMutationsBehindAValidChecksumNeverCrash) {
  const std::string bytes = validBytes();
  std::mt19937 rng(20261123);
  int rejected = 0, accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string m = bytes;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = 24 + rng() % (m.size() - 24);
      switch (rng() % 3) {
        case 0: m[at] = static_cast<char>(rng()); break;
        case 1: m[at] ^= static_cast<char>(1u << (rng() % 8)); break;
        default: m[at] = static_cast<char>(0xFF); break;
      }
    }
    reseal(m);
    try {
      bc::Module loaded = bc::load(m);
      // Whatever loads has passed the verifier: it must disassemble and re-serialize.
      EXPECT_NO_THROW(bc::serialize(loaded));
      ++accepted;
    } catch (const bc::LoadError&) {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 0);
  std::cout << "mutations: " << rejected << " rejected, " << accepted << " loaded (harmless changes)\n";
}

bc::Module validModule() { return testing::compileModule(kSource); }

int32_t firstExpression(const bc::Module& m) {
  for (size_t i = 0; i < m.functions.size(); ++i) {
    if (m.functions[i].kind == bc::FunctionKind::Expression && m.functions[i].code.size() >= 2)
      return static_cast<int32_t>(i);
  }
  return -1;
}

void expectRejected(const bc::Module& m, const std::string& fragment) {
  try {
    bc::verify(m);
    FAIL() << "verified a bad module (expected: " << fragment << ")";
  } catch (const bc::LoadError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Verifier, RejectsABackwardJump) {
  bc::Module m = validModule();
  int32_t f = firstExpression(m);
  ASSERT_GE(f, 0);
  auto& code = m.functions[f].code;
  code.insert(code.begin() + 1, bc::encodeAsBx(bc::Op::Jmp, 0, -1));
  m.functions[f].lines.insert(m.functions[f].lines.begin() + 1, 1);
  expectRejected(m, "jump");
}

TEST(Verifier, RejectsAJumpPastTheEnd) {
  bc::Module m = validModule();
  int32_t f = firstExpression(m);
  auto& code = m.functions[f].code;
  code.insert(code.begin(), bc::encodeAsBx(bc::Op::Jmp, 0, 1000));
  m.functions[f].lines.insert(m.functions[f].lines.begin(), 1);
  expectRejected(m, "jump");
}

TEST(Verifier, RejectsARegisterOutOfRange) {
  bc::Module m = validModule();
  int32_t f = firstExpression(m);
  auto& code = m.functions[f].code;
  code.insert(code.begin(), bc::encodeABC(bc::Op::LoadNone, m.functions[f].registers, 0, 0));
  m.functions[f].lines.insert(m.functions[f].lines.begin(), 1);
  expectRejected(m, "register");
}

TEST(Verifier, RejectsAFunctionThatDoesNotEnd) {
  bc::Module m = validModule();
  int32_t f = firstExpression(m);
  m.functions[f].code.pop_back();
  m.functions[f].lines.pop_back();
  expectRejected(m, "end");
}

TEST(Verifier, RejectsAnUnknownOpcodeAndABadConstant) {
  bc::Module m = validModule();
  int32_t f = firstExpression(m);
  m.functions[f].code[0] = bc::kOpCount;
  expectRejected(m, "opcode");
  m = validModule();
  m.functions[f].code.insert(m.functions[f].code.begin(),
                             bc::encodeABx(bc::Op::LoadK, 0, static_cast<uint16_t>(m.constants.size())));
  m.functions[f].lines.insert(m.functions[f].lines.begin(), 1);
  expectRejected(m, "constant");
}

TEST(Verifier, RejectsStageAndPipelineConstantsPointingNowhere) {
  bc::Module m = validModule();
  auto stageConstant = [&]() -> bc::Constant& {
    for (auto& c : m.constants) {
      if (c.tag == bc::Tag::Stage) return c;
    }
    throw std::runtime_error("the module has no stage constant");
  };
  ASSERT_NO_THROW(bc::verify(m));
  stageConstant().i = 99;
  expectRejected(m, "constant");
  m = validModule();
  stageConstant().aux = 7;
  expectRejected(m, "constant");
  m = validModule();
  for (auto& c : m.constants) {
    if (c.tag == bc::Tag::Pipeline) c.i = -2;
  }
  expectRejected(m, "constant");
}

TEST(Verifier, RejectsTablesPointingNowhere) {
  bc::Module m = validModule();
  ASSERT_FALSE(m.rules.empty());
  m.rules[0].body = static_cast<int32_t>(m.functions.size()) + 3;
  expectRejected(m, "function");
  m = validModule();
  m.pipelines[0].stages[0].name = static_cast<int32_t>(m.strings.size());
  expectRejected(m, "string");
}

// An `sms` descriptor carries a channel the engine reads though `sms` has no
// `via` operand: the verifier checks it all the same.
TEST(Verifier, RejectsAnSmsChannelOutOfRange) {
  bc::Module m = validModule();
  bc::ActionDesc sms;
  sms.kind = bc::ActionKind::Sms;
  sms.channel = static_cast<int32_t>(m.channels.size()) + 5;
  m.actions.push_back(sms);
  expectRejected(m, "channel");
  m.actions.back().channel = bc::kNo;
  EXPECT_NO_THROW(bc::verify(m));
}

// An enum constant's member index is 64 bits wide: one past 2^32 must not
// pass as member 0 (the disassembler and the VM index with all 64 bits).
TEST(Verifier, RejectsAnEnumMemberPastItsEnum) {
  bc::Module m = validModule();
  bc::Constant* enumConstant = nullptr;
  for (auto& c : m.constants) {
    if (c.tag == bc::Tag::Enum) enumConstant = &c;
  }
  ASSERT_NE(enumConstant, nullptr);
  enumConstant->i = int64_t{1} << 32;
  expectRejected(m, "enum");
  enumConstant->i = static_cast<int64_t>(m.enums[enumConstant->aux].members.size());
  expectRejected(m, "enum");
}

}  // namespace
}  // namespace voronka
