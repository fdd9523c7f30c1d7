// Letters through a fake SMTP server on 127.0.0.1: the envelope, the headers
// and the UTF-8 body as they arrive; refusals and missing addresses.
#include <gtest/gtest.h>

#include "tests/outbox/fake_smtp_server.h"
#include "tests/outbox/mail_decoding.h"
#include "tests/outbox/outbox_support.h"

namespace voronka {
namespace {

using nlohmann::json;
using testing::decodeHeader;
using testing::exactOptions;
using testing::FakeSmtpServer;
using testing::Outbox;
using testing::parseMail;
using testing::unbase64;

struct Mail {
  FakeSmtpServer server;
  Outbox box;
  outbox::ServeConfig config;

  Mail() {
    config.smtp.url = server.url();
    config.smtp.starttls = false;
    config.smtp.from = outbox::MailAddress{"Мебель X", "robot@mebel.example"};
    config.smtp.timeout = 3;
    config.users["ivanov"] = {"Иван Иванов", "ivanov@mebel.example"};
  }

  size_t round() {
    outbox::Connectors connectors = outbox::makeConnectors(config);
    outbox::OutboxRelay relay(box.store, connectors, exactOptions(), box.clock);
    return relay.runOnce();
  }
};

json letter(const std::string& to = "vera@example.ru", const std::string& from = "ivanov") {
  return {
      {"template", "price_segments"},
      {"subject", "Диваны: от эконома до премиума, подборка для вас и вашей семьи"},
      {"body",
       "Здравствуйте, Вера!\nПодобрали диваны под бюджет 90 000 ₽.\n.\nС уважением, Иван"},
      {"to", to},
      {"from", from},
      {"send_at", "2026-03-02T06:00:00Z"},
      {"line", 14}};
}

TEST(Smtp, SendsTheLetterWithEnvelopeHeadersAndUtf8Body) {
  Mail m;
  int64_t id = m.box.add("email", letter(), "4f2a9c0e11d7b3a8");
  EXPECT_EQ(m.round(), 1u);
  store::EffectRecord e = m.box.effect(id);
  ASSERT_EQ(e.status, "delivered") << e.lastError;

  auto commands = m.server.commands();
  auto has = [&](const std::string& c) { return std::find(commands.begin(), commands.end(), c) != commands.end(); };
  EXPECT_TRUE(has("MAIL FROM:<robot@mebel.example>")) << ::testing::PrintToString(commands);
  EXPECT_TRUE(has("RCPT TO:<vera@example.ru>")) << ::testing::PrintToString(commands);

  auto messages = m.server.messages();
  ASSERT_EQ(messages.size(), 1u);
  testing::ParsedMail mail = parseMail(messages[0]);
  EXPECT_EQ(decodeHeader(mail.headers["Subject"]), "Диваны: от эконома до премиума, подборка для вас и вашей семьи");
  EXPECT_EQ(decodeHeader(mail.headers["From"]), "Иван Иванов <ivanov@mebel.example>");
  EXPECT_EQ(decodeHeader(mail.headers["Sender"]), "Мебель X <robot@mebel.example>");
  EXPECT_EQ(mail.headers["To"], "<vera@example.ru>");
  EXPECT_EQ(mail.headers["Message-ID"], "<4f2a9c0e11d7b3a8.voronka@mebel.example>");
  EXPECT_EQ(mail.headers["Content-Type"], "text/plain; charset=utf-8");
  EXPECT_EQ(mail.headers["MIME-Version"], "1.0");
  EXPECT_EQ(mail.headers["Date"].size(), std::string("Mon, 02 Mar 2026 06:00:00 +0000").size()) << mail.headers["Date"];
  EXPECT_EQ(
      unbase64(mail.body),
      "Здравствуйте, Вера!\r\nПодобрали диваны под бюджет 90 000 ₽.\r\n.\r\nС уважением, Иван");
  for (const auto& [name, value] : mail.headers) {
    for (unsigned char c : value) EXPECT_LT(c, 0x80) << name << " is not 7-bit";
  }
}

TEST(Smtp, WithoutAUserAddressTheLetterIsFromTheAccount) {
  Mail m;
  int64_t id = m.box.add("email", letter("vera@example.ru", "petrova"));
  m.round();
  ASSERT_EQ(m.box.effect(id).status, "delivered") << m.box.effect(id).lastError;
  testing::ParsedMail mail = parseMail(m.server.messages().at(0));
  EXPECT_EQ(decodeHeader(mail.headers["From"]), "Мебель X <robot@mebel.example>");
  EXPECT_EQ(mail.headers.count("Sender"), 0u);
}

TEST(Smtp, ALetterWrittenInTheRuleUsesItsText) {
  Mail m;
  int64_t id = m.box.add("email", {{"text", "Спасибо за заявку"}, {"to", "vera@example.ru"}, {"from", "ivanov"}});
  m.round();
  ASSERT_EQ(m.box.effect(id).status, "delivered") << m.box.effect(id).lastError;
  testing::ParsedMail mail = parseMail(m.server.messages().at(0));
  EXPECT_EQ(unbase64(mail.body), "Спасибо за заявку");
  EXPECT_EQ(mail.headers["Subject"], "");
}

TEST(Smtp, AContactWithoutAnAddressIsADeadLetter) {
  Mail m;
  int64_t id = m.box.add("email", letter(""));
  m.round();
  EXPECT_EQ(m.box.effect(id).status, "dead");
  EXPECT_EQ(m.box.effect(id).lastError, "the contact has no email address");
  EXPECT_EQ(m.server.connections(), 0);
}

TEST(Smtp, AnAddressThatWouldBreakTheEnvelopeIsADeadLetter) {
  Mail m;
  int64_t id = m.box.add("email", letter("vera@example.ru>\r\nRCPT TO:<x@y"));
  m.round();
  EXPECT_EQ(m.box.effect(id).status, "dead");
  EXPECT_NE(m.box.effect(id).lastError.find("is not valid"), std::string::npos);
  EXPECT_EQ(m.server.connections(), 0);
}

TEST(Smtp, ARefusedRecipientIsADeadLetter) {
  Mail m;
  m.server.rcptReply = "550 no such mailbox";
  int64_t id = m.box.add("email", letter());
  m.round();
  store::EffectRecord e = m.box.effect(id);
  EXPECT_EQ(e.status, "dead");
  EXPECT_NE(e.lastError.find("550"), std::string::npos) << e.lastError;
}

TEST(Smtp, ATemporaryRefusalIsRetried) {
  Mail m;
  m.server.mailReply = "451 try again later";
  int64_t id = m.box.add("email", letter());
  m.round();
  store::EffectRecord e = m.box.effect(id);
  EXPECT_EQ(e.status, "pending");
  EXPECT_EQ(e.nextAttemptAt, testing::kStart + 5);
  EXPECT_NE(e.lastError.find("451"), std::string::npos) << e.lastError;
}

TEST(Smtp, NoSenderAddressIsADeadLetter) {
  Mail m;
  m.config.smtp.from.reset();
  int64_t id = m.box.add("email", letter("vera@example.ru", "petrova"));
  m.round();
  EXPECT_EQ(m.box.effect(id).status, "dead");
  EXPECT_EQ(m.box.effect(id).lastError,
            "no sender address for the user `petrova`: add petrova = \"…\" to [users] or set from in [smtp]");
}

TEST(Smtp, NotConfiguredIsADeadLetter) {
  Mail m;
  m.config.smtp = {};
  int64_t id = m.box.add("email", letter());
  m.round();
  EXPECT_EQ(m.box.effect(id).status, "dead");
  EXPECT_EQ(m.box.effect(id).lastError, "email is not configured: set url in [smtp] of serve.toml");
}

TEST(Smtp, StarttlsRequiredButNotOfferedIsRetried) {
  Mail m;
  m.config.smtp.starttls = true;  // the fake server offers no STARTTLS: nothing may go out in clear
  int64_t id = m.box.add("email", letter());
  m.round();
  EXPECT_EQ(m.box.effect(id).status, "pending");
  EXPECT_TRUE(m.server.messages().empty());
}

}  // namespace
}  // namespace voronka
