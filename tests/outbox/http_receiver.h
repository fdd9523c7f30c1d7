// A local HTTP receiver for the connector tests: cpp-httplib on 127.0.0.1 on
// a free port, in its own thread, answering from a script of answers and
// recording every request it gets.
#pragma once

#include <httplib.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace voronka::testing {

class HttpReceiver {
 public:
  struct Request {
    std::string path, body, contentType, idempotencyKey, authorization, deal;
  };
  struct Answer {
    Answer(int status = 200, std::string body = "", std::chrono::milliseconds delay = {}, std::string retryAfter = "")
        : status(status), body(std::move(body)), delay(delay), retryAfter(std::move(retryAfter)) {}
    int status;
    std::string body;
    std::chrono::milliseconds delay;
    std::string retryAfter;  // the Retry-After header, if any
  };

  HttpReceiver() {
    server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      Answer answer;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back({req.path, req.body, req.get_header_value("Content-Type"),
                             req.get_header_value("Idempotency-Key"), req.get_header_value("Authorization"),
                             req.get_header_value("X-Voronka-Deal")});
        if (!script_.empty()) {
          answer = script_.front();
          script_.pop_front();
        }
      }
      if (answer.delay.count() > 0) std::this_thread::sleep_for(answer.delay);
      res.status = answer.status;
      if (!answer.retryAfter.empty()) res.set_header("Retry-After", answer.retryAfter);
      res.set_content(answer.body, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  ~HttpReceiver() {
    server_.stop();
    thread_.join();
  }

  // The next answers, in order; after them, 200.
  void script(std::vector<Answer> answers) {
    std::lock_guard<std::mutex> lock(mutex_);
    script_.assign(answers.begin(), answers.end());
  }

  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::deque<Answer> script_;
  std::vector<Request> requests_;
};

}  // namespace voronka::testing
