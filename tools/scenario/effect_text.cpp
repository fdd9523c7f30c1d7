#include "tools/scenario/effect_text.h"

#include <fmt/format.h>

#include "common/utf8.h"

namespace voronka::scenario {

namespace {

std::string member(const nlohmann::json& payload, const char* key) {
  auto it = payload.find(key);
  return it != payload.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string effectText(std::string_view kind, const nlohmann::json& payload) {
  if (kind == "email") {
    std::string subject = member(payload, "subject");
    std::string body = payload.contains("body") ? member(payload, "body") : member(payload, "text");
    return subject.empty() ? body : subject + "\n" + body;
  }
  if (kind == "message" || kind == "sms" || kind == "notify") return member(payload, "text");
  return "";
}

std::string effectLabel(std::string_view kind, const nlohmann::json& payload) {
  std::string templ = member(payload, "template");
  if (kind == "email" || kind == "message" || kind == "sms") {
    if (!templ.empty()) return fmt::format("{} {}", kind, templ);
    return fmt::format("{} \"{}\"", kind, shortText(effectText(kind, payload), 60));
  }
  if (kind == "notify") {
    return fmt::format("notify {} \"{}\"", member(payload, "recipient"), shortText(member(payload, "text"), 60));
  }
  if (kind == "webhook") return "webhook " + member(payload, "url");
  if (kind == "request") return "request " + member(payload, "integration");
  if (kind == "analytics") return fmt::format("analytics \"{}\"", member(payload, "event"));
  return std::string(kind);
}

std::string shortText(std::string_view text, size_t limit) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    size_t n = utf8::sequenceLength(static_cast<unsigned char>(text[i]));
    if (out.size() + n > limit) return out + "…";
    if (text[i] == '\n' || text[i] == '\r' || text[i] == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace voronka::scenario
