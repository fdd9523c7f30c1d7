// json_text writes what nlohmann::json's dump() writes for the same value:
// effect payloads, timer snapshots and event bodies keep their bytes.
#include "runtime/engine/json_text.h"

#include <gtest/gtest.h>

namespace voronka::engine {
namespace {

std::string written(std::string_view s) {
  std::string out;
  json_text::appendString(out, s);
  return out;
}

// What dump() and json_text write for s, or "error: " and the message each throws.
std::string dumpedOrError(const std::string& s) {
  try {
    return nlohmann::json(s).dump();
  } catch (const nlohmann::json::exception& e) {
    return std::string("error: ") + e.what();
  }
}

std::string writtenOrError(const std::string& s) {
  try {
    return written(s);
  } catch (const nlohmann::json::exception& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(JsonText, StringsAreEscapedAsDumpDoes) {
  const std::string samples[] = {"",
                                 "plain ascii text that is longer than eight bytes",
                                 "quote \" backslash \\ slash /",
                                 "\b\f\n\r\t and \x01\x1f\x7f",
                                 "Привет, мир! Диван «Честер» — 150 000 ₽",
                                 "emoji 😀 and CJK 漢字",
                                 "12345678\"12345678\\12345678\n"};
  for (const std::string& s : samples) EXPECT_EQ(written(s), nlohmann::json(s).dump()) << s;
}

TEST(JsonText, InvalidUtf8ThrowsAsDumpDoes) {
  for (std::string bad : {std::string("abc\xff"), std::string("\xd0"), std::string("\xc0\x80"),
                          std::string("\xed\xa0\x80"), std::string("ok \xe2\x82")}) {
    std::string expected;
    try {
      nlohmann::json(bad).dump();
    } catch (const nlohmann::json::exception& e) {
      expected = e.what();
    }
    ASSERT_FALSE(expected.empty());
    try {
      written(bad);
      ADD_FAILURE() << "no error for invalid UTF-8";
    } catch (const nlohmann::json::exception& e) {
      EXPECT_EQ(e.what(), expected);
    }
  }
}

// Long runs of two-byte sequences are checked eight bytes at a time: a bad
// byte anywhere in such a run is still found, as dump() finds it.
TEST(JsonText, LongCyrillicRunsAreCheckedWhole) {
  const std::string word = "Здравствуйте";  // twelve two-byte sequences
  const std::string bads[] = {"\xc1\x81", "\xc0\x80", "\xd0", "\xd0\x41", "\x80", "\xd0\xc0", "\"", "\n"};
  for (size_t at = 0; at <= 2 * word.size(); at += 2) {
    for (const std::string& bad : bads) {
      std::string s = word + word;
      s.insert(at, bad);
      EXPECT_EQ(writtenOrError(s), dumpedOrError(s)) << "at " << at;
    }
  }
}

// Strings are checked sixteen bytes at a time: mixes of ASCII, Cyrillic,
// escapes, longer sequences and invalid bytes, of every length and at every
// offset, are written (or refused) exactly as dump() does.
TEST(JsonText, MixedStringsAreWrittenAsDumpDoes) {
  const char* pieces[] = {"a",    " ",        "Я",        "ж",        "\n",       "\"",           "\\",
                          "\x01", "\x7f",     "—",        "₽",      "😀",        "\xff",         "\xd0",
                          "\x80", "\xc0\x80", "\xc1\xbf", "\xdf\xbf", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
  constexpr size_t kValid = 12;  // the pieces before this one are valid UTF-8 on their own
  uint32_t seed = 1;
  auto next = [&] { return seed = seed * 1103515245 + 12345, (seed >> 16) & 0x7FFF; };
  for (int round = 0; round < 30000; ++round) {
    // Valid text; valid text with one bad piece somewhere; anything.
    int kind = round % 3;
    std::string s;
    size_t len = next() % 48;
    for (size_t k = 0; k < len; ++k) {
      // Mostly ASCII and Cyrillic, as letters are.
      size_t pick = kind < 2 ? (next() % 8 < 6 ? next() % 4 : next() % kValid) : next() % std::size(pieces);
      s += pieces[pick];
    }
    if (kind == 1) s.insert(next() % (s.size() + 1), pieces[kValid + next() % (std::size(pieces) - kValid)]);
    ASSERT_EQ(writtenOrError(s), dumpedOrError(s)) << "round " << round;
  }
}

TEST(JsonText, ObjectsSortKeysAndTheLastOfEqualKeysWins) {
  json_text::Object o;
  o.text("to", "a@b.c").integer("line", 12).text("body", "x").raw("list", "[1,2]").text("to", "later");
  nlohmann::json j;
  j["to"] = "a@b.c";
  j["line"] = 12;
  j["body"] = "x";
  j["list"] = {1, 2};
  j["to"] = "later";
  EXPECT_EQ(o.str(), j.dump());
}

// Keys sort as bytes without a sign: a Cyrillic key comes after every
// ASCII one, and keys with a common first byte, or none, sort whole.
TEST(JsonText, ObjectKeysSortAsUnsignedBytes) {
  const char* keys[] = {"имя", "z", "", "line", "lin", "\x7f", "Я", "a", "links", "ямщик"};
  json_text::Object o;
  nlohmann::json j = nlohmann::json::object();
  int64_t n = 0;
  for (const char* k : keys) {
    o.integer(k, n);
    j[k] = n++;
  }
  EXPECT_EQ(o.str(), j.dump());
}

TEST(JsonText, AnyValueIsWrittenAsDumpDoes) {
  nlohmann::json j = nlohmann::json::parse(
      R"({"id":"e1","n":-3,"u":18446744073709551615,"f":1.5,"g":150000.0,"b":true,"z":null,
          "a":[1,"два",{"k":[]}],"o":{},"s":"line\nnext"})");
  std::string out;
  json_text::appendJson(out, j);
  EXPECT_EQ(out, j.dump());
}

}  // namespace
}  // namespace voronka::engine
