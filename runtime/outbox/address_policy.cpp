#include "runtime/outbox/address_policy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace voronka::outbox {

namespace {

std::optional<std::string> ipv4Kind(uint32_t a) {  // host byte order
  auto in = [a](uint32_t net, int bits) { return bits == 0 || (a >> (32 - bits)) == (net >> (32 - bits)); };
  if (in(0x7F000000, 8)) return "loopback";
  if (in(0xA9FE0000, 16)) return a == 0xA9FEA9FE ? "the cloud metadata address" : "link-local";
  if (in(0x0A000000, 8) || in(0xAC100000, 12) || in(0xC0A80000, 16)) return "private";
  if (in(0x64400000, 10)) return "shared (carrier-grade NAT)";
  if (in(0x00000000, 8)) return "this network (0.0.0.0/8)";
  if (in(0xC0000000, 24) || in(0xC6120000, 15)) return "reserved for protocols and benchmarks";
  if (in(0xE0000000, 4)) return "multicast";
  if (in(0xF0000000, 4)) return "reserved";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> internalAddressKind(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    return ipv4Kind(ntohl(reinterpret_cast<const sockaddr_in*>(address)->sin_addr.s_addr));
  }
  if (address->sa_family != AF_INET6) return "not an IP address";
  const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr;
  const uint8_t* b = a.s6_addr;
  if (IN6_IS_ADDR_LOOPBACK(&a)) return "loopback";
  if (IN6_IS_ADDR_UNSPECIFIED(&a)) return "unspecified";
  if (IN6_IS_ADDR_V4MAPPED(&a) || IN6_IS_ADDR_V4COMPAT(&a)) {
    uint32_t v4 = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
    return ipv4Kind(v4);
  }
  // NAT64 (64:ff9b::/96) reaches the IPv4 address it embeds.
  static const uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  if (std::memcmp(b, kNat64, 12) == 0) {
    uint32_t v4 = (uint32_t{b[12]} << 24) | (uint32_t{b[13]} << 16) | (uint32_t{b[14]} << 8) | b[15];
    return ipv4Kind(v4);
  }
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";
  if ((b[0] & 0xfe) == 0xfc) return "private (unique local)";
  if (b[0] == 0xff) return "multicast";
  return std::nullopt;
}

std::string urlHost(const std::string& url) {
  CURLU* u = curl_url();
  std::string host;
  if (u && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* h = nullptr;
    if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK && h) {
      host = h;
      curl_free(h);
    }
  }
  if (u) curl_url_cleanup(u);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  return host;
}

bool hostAllowed(const std::string& host, const std::vector<std::string>& allowed) {
  for (std::string a : allowed) {
    std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return std::tolower(c); });
    if (a == "*" || a == host) return true;
  }
  return false;
}

}  // namespace voronka::outbox
