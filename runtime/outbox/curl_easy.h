// libcurl, set up once per process, with handles that clean up after
// themselves. Shared by the HTTP and SMTP connectors.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

namespace voronka::outbox {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

// A new easy handle (curl_global_init has run once before it); throws
// std::runtime_error if libcurl cannot make one.
CurlEasy newCurlEasy();

// A curl_slist (headers, recipients) that frees itself.
class CurlList {
 public:
  CurlList() = default;
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;
  ~CurlList() { curl_slist_free_all(list_); }
  void append(const std::string& item);
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace voronka::outbox
