// A letter as the SMTP server receives it (RFC 5322 with MIME): headers
// with non-ASCII text in RFC 2047 encoded words (the funnels' texts are
// Russian), a UTF-8 plain-text body in base64 so that no server needs
// 8BITMIME, lines ending in CRLF.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/outbox/config.h"

namespace voronka::outbox {

struct MailMessage {
  MailAddress from;                   // From:
  std::optional<MailAddress> sender;  // Sender: when the envelope sender differs from From
  std::string to;                     // To: one address
  std::string subject;
  std::string body;       // UTF-8 text; \n or \r\n line ends
  std::string messageId;  // without the angle brackets
  int64_t date = 0;       // UTC seconds
};

std::string renderMessage(const MailMessage& message);

// Header text: as it is when it is plain printable ASCII, otherwise UTF-8
// base64 encoded words of at most 75 characters, folded onto new lines.
// Line breaks become spaces (they would end the header).
std::string encodeHeaderText(std::string_view text);

// "Иван Иванов <ivanov@x.ru>" with the name encoded or quoted as needed.
std::string formatMailbox(const MailAddress& address);

// "Mon, 02 Mar 2026 06:00:00 +0000".
std::string formatMailDate(int64_t utc);

std::string base64(std::string_view bytes);

}  // namespace voronka::outbox
