// Checks of single values of serve.toml: each problem says what is wrong
// (nullopt: the value is fine), for the messages of config.cpp.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace voronka::outbox {

// The candidate closest to a misspelt `name`, if one is close enough.
std::optional<std::string> closest(std::string_view name, const std::vector<std::string>& candidates);

// Headers the connectors set themselves: a configured one would clash.
bool reservedHeader(std::string_view name);
// RFC 9110 token characters.
bool validHeaderName(std::string_view name);
bool validEnvName(std::string_view name);
bool hasControl(std::string_view text);

// Why `url` is not a URL with one of `schemes` and a host.
std::optional<std::string> urlProblem(std::string_view url, std::initializer_list<std::string_view> schemes);
// Why `listen` is not host:port.
std::optional<std::string> listenProblem(std::string_view listen);
// Why `store` is not a store the server knows.
std::optional<std::string> storeProblem(std::string_view store);

}  // namespace voronka::outbox
