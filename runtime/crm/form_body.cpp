#include "runtime/crm/form_body.h"

#include <fmt/format.h>

#include <algorithm>

namespace voronka::crm {

namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "leads[status][0][id]" → {"leads", "status", "0", "id"}.
Result<std::vector<std::string>> keyPath(const std::string& key) {
  std::vector<std::string> path;
  size_t open = key.find('[');
  path.push_back(key.substr(0, open));
  if (path.front().empty()) return fail(fmt::format("the key \"{}\" has no name before '['", key));
  while (open != std::string::npos) {
    size_t close = key.find(']', open);
    if (close == std::string::npos) return fail(fmt::format("the key \"{}\" has an unclosed '['", key));
    path.push_back(key.substr(open + 1, close - open - 1));
    open = close + 1;
    if (open == key.size()) break;
    if (key[open] != '[') return fail(fmt::format("the key \"{}\" has text after ']'", key));
  }
  return path;
}

}  // namespace

Result<std::string> percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      int hi = i + 2 < text.size() ? hexDigit(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? hexDigit(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) return fail(fmt::format("\"{}\" has a broken %-escape", std::string(text.substr(0, 60))));
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::string percentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

Result<nlohmann::json> parseFormBody(std::string_view body) {
  nlohmann::json root = nlohmann::json::object();
  size_t start = 0;
  int autoIndex = 0;  // `a[]=x` appends
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    Result<std::string> key = percentDecode(pair.substr(0, eq));
    if (!key) return fail(key.error());
    Result<std::string> value = percentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value) return fail(value.error());
    Result<std::vector<std::string>> path = keyPath(*key);
    if (!path) return fail(path.error());
    nlohmann::json* node = &root;
    for (size_t i = 0; i < path->size(); ++i) {
      std::string part = (*path)[i];
      if (part.empty()) part = std::to_string(autoIndex++);
      if (!node->is_object()) return fail(fmt::format("the key \"{}\" is both a value and a table", *key));
      if (i + 1 == path->size()) {
        if (node->contains(part) && (*node)[part].is_object())
          return fail(fmt::format("the key \"{}\" is both a value and a table", *key));
        (*node)[part] = *value;
      } else {
        nlohmann::json& next = (*node)[part];
        if (next.is_null()) next = nlohmann::json::object();
        node = &next;
      }
    }
    if (end == body.size()) break;
  }
  return root;
}

std::vector<const nlohmann::json*> listItems(const nlohmann::json& node) {
  std::vector<const nlohmann::json*> items;
  if (node.is_array()) {
    for (const auto& item : node) items.push_back(&item);
    return items;
  }
  if (!node.is_object()) return items;
  std::vector<std::pair<long, const nlohmann::json*>> numbered;
  for (const auto& [key, value] : node.items()) {
    char* end = nullptr;
    long n = std::strtol(key.c_str(), &end, 10);
    if (key.empty() || *end) continue;
    numbered.emplace_back(n, &value);
  }
  std::sort(numbered.begin(), numbered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [n, value] : numbered) items.push_back(value);
  return items;
}

std::string encodeForm(const nlohmann::json& value, const std::string& prefix) {
  std::string out;
  auto add = [&out](const std::string& part) {
    if (part.empty()) return;
    if (!out.empty()) out += '&';
    out += part;
  };
  if (value.is_object()) {
    for (const auto& [key, item] : value.items())
      add(encodeForm(item, prefix.empty() ? percentEncode(key) : prefix + "[" + percentEncode(key) + "]"));
  } else if (value.is_array()) {
    size_t i = 0;
    for (const auto& item : value) add(encodeForm(item, prefix + "[" + std::to_string(i++) + "]"));
  } else if (!prefix.empty()) {
    std::string text = value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump();
    if (value.is_boolean()) text = value.get<bool>() ? "Y" : "N";
    out = prefix + "=" + percentEncode(text);
  }
  return out;
}

}  // namespace voronka::crm
