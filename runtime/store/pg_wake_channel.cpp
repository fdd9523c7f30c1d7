#include "runtime/store/pg_wake_channel.h"

#include <cstdint>
#include <cstdio>

namespace voronka::store::pg {

namespace {

constexpr size_t kMaxIdentifierBytes = 63;  // PostgreSQL's NAMEDATALEN - 1

// 64-bit FNV-1a: stable across builds and machines, as every worker must agree.
uint64_t fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// `s` cut to at most `bytes` bytes, never inside a UTF-8 character.
std::string cutUtf8(const std::string& s, size_t bytes) {
  if (s.size() <= bytes) return s;
  while (bytes > 0 && (static_cast<unsigned char>(s[bytes]) & 0xC0) == 0x80) --bytes;
  return s.substr(0, bytes);
}

std::string quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string wakeChannelOf(const std::string& schema, Channel channel) {
  std::string whole = (channel == Channel::Work ? "voronka_work." : "voronka_done.") + schema;
  if (whole.size() <= kMaxIdentifierBytes) return whole;
  char hash[18];
  std::snprintf(hash, sizeof hash, "~%016llx", static_cast<unsigned long long>(fnv1a(schema)));
  return cutUtf8(whole, kMaxIdentifierBytes - (sizeof hash - 1)) + hash;
}

std::string listenSql(const std::string& schema, Channel channel) {
  return "LISTEN " + quoted(wakeChannelOf(schema, channel));
}
std::string notifySql(const std::string& schema, Channel channel) {
  return "NOTIFY " + quoted(wakeChannelOf(schema, channel));
}

std::string storeSchema(Conn& conn) { return conn.queryText("SELECT current_schema()", "reading the schema"); }

}  // namespace voronka::store::pg
