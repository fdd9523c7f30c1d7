// The letter's text: encoded words, mailboxes, dates.
#include <gtest/gtest.h>

#include "runtime/outbox/mail_message.h"
#include "tests/outbox/mail_decoding.h"

namespace voronka {
namespace {

using outbox::encodeHeaderText;

TEST(MailMessage, PlainAsciiStaysAsItIs) {
  EXPECT_EQ(encodeHeaderText("Your order 42"), "Your order 42");
  EXPECT_EQ(encodeHeaderText("two\r\nlines"), "two  lines");  // no header injection
}

TEST(MailMessage, RussianBecomesEncodedWordsOfWholeCharacters) {
  std::string subject =
      "Диваны: от эконома до премиума — подборка для вас, ёлки-палки, и ещё немного текста 🙂";
  std::string encoded = encodeHeaderText(subject);
  EXPECT_EQ(testing::decodeHeader(encoded), subject);
  size_t words = 0;
  size_t at = 0;
  while (at < encoded.size()) {
    size_t next = encoded.find("\r\n ", at);
    std::string word = encoded.substr(at, next == std::string::npos ? std::string::npos : next - at);
    EXPECT_LE(word.size(), 75u) << word;
    EXPECT_EQ(word.substr(0, 10), "=?UTF-8?B?");
    // Each word decodes to valid UTF-8 on its own: no character is split.
    std::string bytes = testing::unbase64(word.substr(10, word.size() - 12));
    unsigned char first = static_cast<unsigned char>(bytes[0]);
    unsigned char last = static_cast<unsigned char>(bytes.back());
    EXPECT_NE(first & 0xC0, 0x80) << word;
    EXPECT_TRUE(last < 0x80 || (last & 0xC0) == 0x80) << word;
    ++words;
    at = next == std::string::npos ? encoded.size() : next + 3;
  }
  EXPECT_GT(words, 2u);
}

TEST(MailMessage, EncodedLookingAsciiIsEncoded) {
  EXPECT_EQ(testing::decodeHeader(encodeHeaderText("=?UTF-8?B?x?=")), "=?UTF-8?B?x?=");
  EXPECT_NE(encodeHeaderText("=?UTF-8?B?x?="), "=?UTF-8?B?x?=");
}

TEST(MailMessage, Mailboxes) {
  EXPECT_EQ(outbox::formatMailbox({"", "a@b.ru"}), "<a@b.ru>");
  EXPECT_EQ(outbox::formatMailbox({"Sales, Moscow", "a@b.ru"}), "\"Sales, Moscow\" <a@b.ru>");
  EXPECT_EQ(outbox::formatMailbox({"Say \"hi\"", "a@b.ru"}), "\"Say \\\"hi\\\"\" <a@b.ru>");
  EXPECT_EQ(testing::decodeHeader(outbox::formatMailbox({"Отдел продаж", "a@b.ru"})), "Отдел продаж <a@b.ru>");
}

TEST(MailMessage, Dates) {
  EXPECT_EQ(outbox::formatMailDate(1772431200), "Mon, 02 Mar 2026 06:00:00 +0000");
  EXPECT_EQ(outbox::formatMailDate(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

TEST(MailMessage, Base64) {
  EXPECT_EQ(outbox::base64(""), "");
  EXPECT_EQ(outbox::base64("f"), "Zg==");
  EXPECT_EQ(outbox::base64("fo"), "Zm8=");
  EXPECT_EQ(outbox::base64("foo"), "Zm9v");
  EXPECT_EQ(outbox::base64("Привет"), "0J/RgNC40LLQtdGC");
}

TEST(MailMessage, BodyLinesAreCrlfAndAtMost76Characters) {
  // Built whole: assigning literals member by member trips GCC 12's bogus -Wrestrict.
  outbox::MailMessage m{
      {"", "robot@x.ru"}, std::nullopt, "vera@example.ru", "s", std::string(300, 'a') + "\nb\r\nc", "k@x.ru", 0};
  std::string text = outbox::renderMessage(m);
  size_t body = text.find("\r\n\r\n") + 4;
  std::string encoded = text.substr(body);
  size_t at = 0;
  while (at < encoded.size()) {
    size_t end = encoded.find("\r\n", at);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - at, 76u);
    at = end + 2;
  }
  EXPECT_EQ(testing::unbase64(encoded), std::string(300, 'a') + "\r\nb\r\nc");
  EXPECT_EQ(text.find('\n'), text.find("\r\n") + 1);  // no bare LF before the first CRLF
}

}  // namespace
}  // namespace voronka
