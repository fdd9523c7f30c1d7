// common/: the helpers the compiler and the runtime share.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "common/edit_distance.h"
#include "common/hash.h"
#include "common/read_file.h"
#include "common/result.h"
#include "common/same_text.h"
#include "common/secret.h"
#include "common/text_hash.h"
#include "common/utf8.h"
#include "common/write_file.h"

namespace voronka {
namespace {

TEST(EditDistance, CountsCodePointsAndSwaps) {
  EXPECT_EQ(editDistance("choose", "chose"), 1u);
  EXPECT_EQ(editDistance("recieve", "receive"), 1u);  // a swap
  EXPECT_EQ(editDistance("сбор", "сбоp"), 1u);        // Cyrillic vs Latin р
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(editDistance("listen", "listen"), 0u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(editDistance("ca", "abc"), 3u);  // a letter swapped once is not edited again
}

TEST(Secret, MatchesOnlyTheWholeNonEmptySecret) {
  EXPECT_TRUE(sameSecret("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(sameSecret("s3cret-toke", "s3cret-token"));    // a prefix
  EXPECT_FALSE(sameSecret("s3cret-tokenX", "s3cret-token"));  // longer
  EXPECT_FALSE(sameSecret("s3cret-tokfn", "s3cret-token"));   // one byte off, same length
  EXPECT_FALSE(sameSecret("", ""));                           // an unset secret matches nothing
  EXPECT_FALSE(sameSecret("anything", ""));
  EXPECT_FALSE(sameSecret("", "s3cret-token"));
  // `given` repeats `expected` exactly: still not the same secret.
  EXPECT_FALSE(sameSecret("abab", "ab"));
}

TEST(Secret, FindsTheFirstMatchingSecret) {
  std::vector<std::string> secrets{"alpha", "beta", "", "beta"};
  EXPECT_EQ(findSecret(secrets, "beta"), 1);
  EXPECT_EQ(findSecret(secrets, "alpha"), 0);
  EXPECT_EQ(findSecret(secrets, ""), -1);
  EXPECT_EQ(findSecret(secrets, "gamma"), -1);
  EXPECT_EQ(findSecret({}, "alpha"), -1);
}

TEST(Hash, Fnv1aKnownValuesAndSeed) {
  EXPECT_EQ(fnv1a(""), kFnv1aOffsetBasis);
  EXPECT_EQ(fnv1a("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a("bar", fnv1a("foo")), fnv1a("foobar"));
}

TEST(Utf8, DecodeAllAndCount) {
  EXPECT_EQ(utf8::decodeAll("дa"), std::u32string(U"дa"));
  EXPECT_EQ(utf8::codePointCount("Привет"), 6u);
  std::string out;
  utf8::append(out, U'я');
  EXPECT_EQ(out, "я");
}

Result<int> port(std::string_view text) {
  if (text.empty()) return fail("the port is missing");
  return static_cast<int>(text.size());
}

Result<void> positive(int n) {
  if (n <= 0) return fail("not positive");
  return {};
}

TEST(Result, HoldsAValueOrTheReason) {
  Result<int> good = port("80");
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 2);
  Result<int> bad = port("");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "the port is missing");
  EXPECT_TRUE(positive(1));
  EXPECT_EQ(positive(0).error(), "not positive");
  Result<std::string> text = std::string("a value, not an error");
  EXPECT_TRUE(text.ok());
  Result<int, std::vector<std::string>> many = failWith(std::vector<std::string>{"one", "two"});
  EXPECT_EQ(many.error().size(), 2u);
}

// sameText() against string_view's ==: every length from empty to past the
// 16 bytes it compares in words, with the two texts differing at each byte
// in turn, or in length only. The texts sit inside a larger buffer, at an
// odd offset, so a read past either end would be a read of other bytes.
TEST(SameText, AgreesWithStringEqualityAtEveryLengthAndEveryByte) {
  for (size_t n = 0; n <= 40; ++n) {
    std::string a = "xxx" + std::string(n, 'a') + "zz";
    std::string b = a;
    std::string_view va(a.data() + 3, n);
    EXPECT_TRUE(sameText(va, std::string_view(b.data() + 3, n))) << n;
    for (size_t i = 0; i < n; ++i) {
      b = a;
      b[3 + i] = 'b';
      std::string_view vb(b.data() + 3, n);
      EXPECT_EQ(sameText(va, vb), va == vb) << n << " " << i;
      EXPECT_FALSE(sameText(va, vb)) << n << " " << i;
    }
    if (n > 0) {
      EXPECT_FALSE(sameText(va, std::string_view(a.data() + 3, n - 1))) << n;
    }
  }
  EXPECT_TRUE(sameText("сделка-1", "сделка-1"));
  EXPECT_FALSE(sameText("deal-10", "deal-11"));
}

// hashText() reads every byte of a text and nothing around it: a change of
// any one byte, at every length up to 40, changes the hash, and the same
// text at another place hashes the same. Ids as the stores see them spread
// over the low bits the tables mask: 100,000 of them in 2^18 slots leave
// no slot with more than a few.
TEST(TextHash, EveryByteCountsAndIdsSpreadOverTheLowBits) {
  for (size_t n = 0; n <= 40; ++n) {
    std::string a = "xxx" + std::string(n, 'a') + "zz";
    std::string elsewhere = "q" + a;
    std::string_view va(a.data() + 3, n);
    uint64_t h = hashText(va);
    EXPECT_EQ(hashText(std::string_view(elsewhere.data() + 4, n)), h) << n;
    a[1] = 'y';  // around the text: not read
    a[a.size() - 1] = 'y';
    EXPECT_EQ(hashText(va), h) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[3 + i] = 'b';
      EXPECT_NE(hashText(std::string_view(b.data() + 3, n)), h) << n << " " << i;
    }
    if (n > 0) {
      EXPECT_NE(hashText(std::string_view(a.data() + 3, n - 1)), h) << n;
    }
  }
  for (const std::string prefix : {"", "d", "sim-", "deal-", "amo-lead-2026-"}) {
    std::vector<uint32_t> perSlot(1 << 18, 0);
    for (int i = 0; i < 100000; ++i) ++perSlot[hashText(prefix + std::to_string(i)) & ((1 << 18) - 1)];
    EXPECT_LE(*std::max_element(perSlot.begin(), perSlot.end()), 8u) << prefix;
  }
}

}  // namespace
// A file the user names is read whole, bytes as they are, or the reason
// it cannot be is one a message can carry: a directory is not taken for an
// empty file (std::ifstream opens one and reads nothing).
TEST(ReadFile, ReadsTheBytesOrSaysWhyNot) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("voronka_read_file_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::string bytes("a\0b\r\n\xff", 6);
  bytes += std::string(200000, 'x');  // more than one read's buffer
  std::ofstream(dir / "file.bin", std::ios::binary) << bytes;
  std::ofstream(dir / "empty.txt").close();

  Result<std::string> whole = readWholeFile(dir / "file.bin");
  ASSERT_TRUE(whole) << whole.error();
  EXPECT_EQ(*whole, bytes);
  Result<std::string> empty = readWholeFile(dir / "empty.txt");
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");

  Result<std::string> directory = readWholeFile(dir / "sub");
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error(), "it is a directory");
  Result<std::string> missing = readWholeFile(dir / "missing.toml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "there is no such file");
  Result<std::string> underAFile = readWholeFile(dir / "file.bin" / "x");
  ASSERT_FALSE(underAFile);
  EXPECT_EQ(underAFile.error(), "Not a directory");

  std::ifstream in;
  ASSERT_TRUE(openForReading(in, dir / "file.bin"));
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, std::string("a\0b\r", 4));
  std::ifstream notOpened;
  Result<void> opened = openForReading(notOpened, dir / "sub");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "it is a directory");
  EXPECT_FALSE(notOpened.is_open());
  opened = openForReading(notOpened, dir / "missing.jsonl");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error(), "there is no such file");
  fs::remove_all(dir);
}

namespace {

// The names in a directory, sorted: what a write left behind.
std::vector<std::string> namesIn(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

std::string contentOf(const std::filesystem::path& file) {
  Result<std::string> text = readWholeFile(file);
  return text ? *text : "<" + text.error() + ">";
}

}  // namespace

// A file is written whole or not at all: through a temporary that is gone
// afterwards, whether the write was committed or not; the file keeps its
// permissions; a path that cannot be written says why and changes nothing.
TEST(WriteFile, WholeOrNotAtAll) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("voronka_write_file_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  fs::path file = dir / "out.txt";

  ASSERT_TRUE(writeFileAtomically(file, "first"));
  EXPECT_EQ(contentOf(file), "first");
  EXPECT_EQ(namesIn(dir), (std::vector<std::string>{"out.txt", "sub"}));

  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_TRUE(writeFileAtomically(file, std::string(100000, 'x')));
  EXPECT_EQ(contentOf(file), std::string(100000, 'x'));
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read | fs::perms::owner_write);

  {
    // Opened before the work, dropped without a commit (the work failed):
    // the temporary existed meanwhile, and the file is as it was.
    AtomicFile unfinished(file);
    ASSERT_TRUE(unfinished.open());
    EXPECT_EQ(namesIn(dir).size(), 3u);
  }
  EXPECT_EQ(contentOf(file), std::string(100000, 'x'));
  EXPECT_EQ(namesIn(dir), (std::vector<std::string>{"out.txt", "sub"}));

  // Through a symbolic link: the link stays, its target gets the bytes.
  fs::create_symlink(dir / "sub" / "target.txt", dir / "link.txt");
  std::ofstream(dir / "sub" / "target.txt") << "old";
  ASSERT_TRUE(writeFileAtomically(dir / "link.txt", "through the link"));
  EXPECT_TRUE(fs::is_symlink(dir / "link.txt"));
  EXPECT_EQ(contentOf(dir / "sub" / "target.txt"), "through the link");
  EXPECT_EQ(namesIn(dir / "sub"), (std::vector<std::string>{"target.txt"}));
  fs::remove(dir / "link.txt");
  fs::remove(dir / "sub" / "target.txt");

  Result<void> intoDirectory = writeFileAtomically(dir / "sub", "x");
  ASSERT_FALSE(intoDirectory);
  EXPECT_EQ(intoDirectory.error(), "it is a directory");
  EXPECT_TRUE(fs::is_directory(dir / "sub"));
  Result<void> noDirectory = writeFileAtomically(dir / "missing" / "out.txt", "x");
  ASSERT_FALSE(noDirectory);
  EXPECT_EQ(noDirectory.error(), "there is no such directory");
  EXPECT_EQ(namesIn(dir), (std::vector<std::string>{"out.txt", "sub"}));
  fs::remove_all(dir);
}

}  // namespace voronka
