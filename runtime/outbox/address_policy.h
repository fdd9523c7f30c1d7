// Where a funnel's webhook may not go: the server's own network. A webhook
// URL is written by whoever writes the funnel (and may take its host from a
// deal's field), so by default the relay refuses to connect to loopback,
// link-local (with the cloud metadata address 169.254.169.254), private,
// shared, multicast and reserved addresses — checked on the address
// actually connected to, after DNS resolution, so a name that resolves
// inward is refused too. Redirects are never followed. An operator allows
// named hosts with --allow-webhook-host or [webhook] allow_hosts.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

namespace voronka::outbox {

// Why this address is internal ("loopback", "private"…), or nullopt when it
// is a public address.
std::optional<std::string> internalAddressKind(const sockaddr* address);

// The host of an http(s) URL as written (lowercase, without brackets), or
// empty when it has none.
std::string urlHost(const std::string& url);

// Whether `host` is one of `allowed` ("*" allows every host).
bool hostAllowed(const std::string& host, const std::vector<std::string>& allowed);

}  // namespace voronka::outbox
