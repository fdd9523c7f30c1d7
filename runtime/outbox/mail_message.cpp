#include "runtime/outbox/mail_message.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace voronka::outbox {

namespace {

constexpr size_t kWordBytes = 45;  // 60 base64 characters: "=?UTF-8?B?" + 60 + "?=" is 72 of the 75 allowed

std::string oneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c;
  return out;
}

bool plainAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; }) &&
         text.find("=?") == std::string_view::npos;
}

}  // namespace

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string encodeHeaderText(std::string_view text) {
  std::string line = oneLine(text);
  if (plainAscii(line)) return line;
  std::string out;
  size_t start = 0;
  while (start < line.size()) {
    size_t end = std::min(line.size(), start + kWordBytes);
    // A word holds whole characters: back off from a UTF-8 continuation byte.
    while (end < line.size() && end > start + 1 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(line).substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string formatMailbox(const MailAddress& address) {
  if (address.name.empty()) return "<" + address.email + ">";
  std::string name = oneLine(address.name);
  if (!plainAscii(name)) return encodeHeaderText(name) + " <" + address.email + ">";
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" <" + address.email + ">";
}

std::string formatMailDate(int64_t utc) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(utc);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string renderMessage(const MailMessage& m) {
  std::string out;
  auto header = [&](std::string_view name, const std::string& value) { out += fmt::format("{}: {}\r\n", name, value); };
  header("Date", formatMailDate(m.date));
  header("From", formatMailbox(m.from));
  if (m.sender) header("Sender", formatMailbox(*m.sender));
  header("To", "<" + m.to + ">");
  header("Subject", encodeHeaderText(m.subject));
  header("Message-ID", "<" + m.messageId + ">");
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", "base64");
  out += "\r\n";
  std::string body;
  for (size_t i = 0; i < m.body.size(); ++i) {
    if (m.body[i] == '\r' && i + 1 < m.body.size() && m.body[i + 1] == '\n') continue;  // \r\n: the \n adds it
    body += m.body[i] == '\n' ? std::string("\r\n") : std::string(1, m.body[i]);
  }
  std::string encoded = base64(body);
  for (size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

}  // namespace voronka::outbox
