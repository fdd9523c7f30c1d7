#include "runtime/outbox/curl_easy.h"

#include <mutex>
#include <stdexcept>

namespace voronka::outbox {

CurlEasy newCurlEasy() {
  // curl_global_init is not thread-safe: once, before the first handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlEasy handle(curl_easy_init());
  if (!handle) throw std::runtime_error("libcurl could not create a handle");
  return handle;
}

void CurlList::append(const std::string& item) {
  curl_slist* next = curl_slist_append(list_, item.c_str());
  if (!next) throw std::runtime_error("libcurl: out of memory");
  list_ = next;
}

}  // namespace voronka::outbox
