// A minimal SMTP server on 127.0.0.1 for the email tests: enough of RFC 5321
// for libcurl (220, EHLO/HELO 250, MAIL/RCPT 250, DATA 354, "." 250,
// QUIT 221), recording the commands and the message it is given. Replies to
// MAIL and RCPT can be changed to test refusals.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace voronka::testing {

class FakeSmtpServer {
 public:
  std::string mailReply = "250 OK";
  std::string rcptReply = "250 OK";

  FakeSmtpServer() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 4) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~FakeSmtpServer() {
    stop_ = true;
    thread_.join();
    close(listener_);
  }

  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  std::vector<std::string> commands() {
    std::lock_guard<std::mutex> lock(mutex_);
    return commands_;
  }
  std::vector<std::string> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }
  int connections() {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
  }

 private:
  // Waits for `fd` to be readable, in slices so that the destructor is heard.
  bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    for (int i = 0; i < 100 && !stop_; ++i) {  // at most 5 s for one read
      if (poll(&p, 1, 50) > 0) return true;
    }
    return false;
  }

  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++connections_;
      }
      talk(client);
      close(client);
    }
  }

  void send(int fd, const std::string& line) {
    std::string out = line + "\r\n";
    ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

  // The next line without its CRLF; false when the client is gone.
  bool line(int fd, std::string& buffer, std::string& out) {
    while (true) {
      size_t end = buffer.find("\r\n");
      if (end != std::string::npos) {
        out = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
      }
      if (!readable(fd)) return false;
      char chunk[4096];
      ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  void talk(int fd) {
    std::string buffer, command;
    send(fd, "220 fake.smtp ESMTP");
    while (line(fd, buffer, command)) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        commands_.push_back(command);
      }
      std::string verb = command.substr(0, 4);
      if (verb == "EHLO" || verb == "HELO") {
        send(fd, "250 fake.smtp");
      } else if (verb == "MAIL") {
        send(fd, mailReply);
      } else if (verb == "RCPT") {
        send(fd, rcptReply);
      } else if (verb == "DATA") {
        send(fd, "354 go ahead");
        std::string data, text;
        while (line(fd, buffer, text) && text != ".") data += text + "\r\n";
        {
          std::lock_guard<std::mutex> lock(mutex_);
          messages_.push_back(data);
        }
        send(fd, "250 queued");
      } else if (verb == "QUIT") {
        send(fd, "221 bye");
        return;
      } else if (verb == "RSET" || verb == "NOOP") {
        send(fd, "250 OK");
      } else {
        send(fd, "502 not implemented");
      }
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> commands_, messages_;
  int connections_ = 0;
};

}  // namespace voronka::testing
