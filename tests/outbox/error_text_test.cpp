// What lastError quotes from other systems: short, one line, no secrets.
#include <gtest/gtest.h>

#include "runtime/outbox/error_text.h"

namespace voronka {
namespace {

TEST(ErrorText, UrlsLoseCredentialsQueryAndFragment) {
  EXPECT_EQ(outbox::urlForMessages("https://crm.example.ru/hook?token=s3cret#x"), "https://crm.example.ru/hook");
  EXPECT_EQ(outbox::urlForMessages("https://user:pass@crm.example.ru/hook"), "https://crm.example.ru/hook");
  EXPECT_EQ(outbox::urlForMessages("smtps://smtp.example.ru:465"), "smtps://smtp.example.ru:465");
  EXPECT_EQ(outbox::urlForMessages("https://crm.example.ru/a@b"), "https://crm.example.ru/a@b");
}

TEST(ErrorText, ExcerptsAreOneShortLine) {
  EXPECT_EQ(outbox::excerpt("  <h1>Bad\r\n\r\nRequest</h1>\n"), "<h1>Bad Request</h1>");
  std::string russian;
  for (int i = 0; i < 200; ++i) russian += "ы";  // two bytes each
  std::string cut = outbox::excerpt(russian, 11);
  EXPECT_EQ(cut, "ыыыыы…");  // five whole letters, not five and a half
}

}  // namespace
}  // namespace voronka
