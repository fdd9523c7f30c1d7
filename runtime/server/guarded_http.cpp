#include "runtime/server/guarded_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace voronka::server {

namespace {

using Clock = std::chrono::steady_clock;

// The longest head the gate collects; a longer one goes to cpp-httplib,
// which refuses it (its own header limit is 8 KB).
constexpr size_t kMaxHead = 16 * 1024;

std::string peerAddress(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr, text, sizeof text);
  }
  return text;
}

void addressAndPort(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  int r = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
               : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (r != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

bool headComplete(const std::string& buffered) {
  return buffered.find("\r\n\r\n") != std::string::npos || buffered.find("\n\n") != std::string::npos;
}

// A best-effort short answer on a connection about to be closed.
void answerAndClose(int fd, const char* statusLine, const char* message) {
  std::string body = std::string("{\"error\":{\"code\":\"connection_refused\",\"message\":\"") + message + "\"}}";
  std::string response =
      std::string("HTTP/1.1 ") + statusLine +
      "\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  (void)!send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  shutdown(fd, SHUT_RDWR);
  close(fd);
}

// One connection and what the gate has read of its next request.
struct Connection {
  int fd = -1;
  std::string client;
  std::string buffered;        // bytes read, not yet given to cpp-httplib
  Clock::time_point deadline;  // for the head (or, while idle, for its first byte)
  Clock::time_point started;   // the first byte of the current request
  size_t requests = 0;
};

// The Stream cpp-httplib reads a request from and writes its answer to:
// the gate's bytes first, then the socket, never past the request's deadline.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(Connection& c, Clock::time_point deadline, std::chrono::milliseconds io)
      : c_(c), deadline_(deadline), io_(io) {}

  bool is_readable() const override { return !c_.buffered.empty() || wait(POLLIN); }
  bool is_writable() const override { return wait(POLLOUT); }

  ssize_t read(char* ptr, size_t size) override {
    if (c_.buffered.empty()) {
      if (!wait(POLLIN)) return -1;
      char chunk[4096];
      ssize_t n = recv(c_.fd, chunk, sizeof chunk, 0);
      if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR) ? read(ptr, size) : -1;
      c_.buffered.append(chunk, static_cast<size_t>(n));
    }
    size_t n = std::min(size, c_.buffered.size());
    std::memcpy(ptr, c_.buffered.data(), n);
    c_.buffered.erase(0, n);
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    size_t done = 0;
    while (done < size) {
      if (!waitFor(POLLOUT, io_)) return done > 0 ? static_cast<ssize_t>(done) : -1;
      ssize_t n = send(c_.fd, ptr + done, size - done, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return done > 0 ? static_cast<ssize_t>(done) : -1;
      done += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(done);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { addressAndPort(c_.fd, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { addressAndPort(c_.fd, false, ip, port); }
  socket_t socket() const override { return c_.fd; }

 private:
  // Readable (or writable) within the I/O timeout and before the request's deadline.
  bool wait(short events) const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (events == POLLIN && left.count() <= 0) return false;
    return waitFor(events, events == POLLIN ? std::min(left, io_) : io_);
  }
  bool waitFor(short events, std::chrono::milliseconds timeout) const {
    pollfd p{c_.fd, events, 0};
    int r;
    do {
      r = poll(&p, 1, static_cast<int>(timeout.count()));
    } while (r < 0 && errno == EINTR);
    return r > 0 && (p.revents & (events | POLLHUP | POLLERR));
  }

  Connection& c_;
  Clock::time_point deadline_;
  std::chrono::milliseconds io_;
};

// cpp-httplib's queue for accepted connections: runs the task at once on
// the accept thread (the task only hands the connection to the gate).
class RunAtOnce : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

struct GuardedHttpServer::Parts {
  explicit Parts(GuardedHttpServer& s, ConnectionLimits l) : server(s), limits(l) {}

  GuardedHttpServer& server;
  ConnectionLimits limits;
  RequestRouter router;
  std::mutex mutex;
  std::condition_variable work;
  std::map<std::string, size_t> perClient;  // open connections by IP
  std::vector<Connection> arriving;         // handed to the gate, not yet polled
  std::deque<Connection> ready;             // a whole head has arrived
  bool stopping = false;
  int wakeFd = -1;
  std::thread gate;
  std::vector<std::thread> workers;

  void wakeGate() {
    uint64_t one = 1;
    (void)!::write(wakeFd, &one, sizeof one);
  }

  void closeConnection(Connection& c) {
    shutdown(c.fd, SHUT_RDWR);
    close(c.fd);
    std::lock_guard lock(mutex);
    if (--perClient[c.client] == 0) perClient.erase(c.client);
  }

  // Back to the gate to wait for the next request.
  void waitForRequest(Connection c) {
    c.deadline = Clock::now() + limits.keepAliveIdle;
    if (!c.buffered.empty()) c.deadline = Clock::now() + limits.headDeadline;
    {
      std::lock_guard lock(mutex);
      if (!stopping) {
        arriving.push_back(std::move(c));
        c.fd = -1;
      }
    }
    if (c.fd >= 0) {
      closeConnection(c);
      return;
    }
    wakeGate();
  }

  void toWorkers(Connection c) {
    {
      std::lock_guard lock(mutex);
      ready.push_back(std::move(c));
    }
    work.notify_one();
  }

  void runGate() {
    std::vector<Connection> waiting;
    std::vector<pollfd> fds;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stopping) break;
        for (auto& c : arriving) waiting.push_back(std::move(c));
        arriving.clear();
      }
      // Connections whose head is already here (pipelined requests) go on at once.
      auto now = Clock::now();
      for (size_t i = 0; i < waiting.size();) {
        Connection& c = waiting[i];
        if (!c.buffered.empty() && (headComplete(c.buffered) || c.buffered.size() >= kMaxHead)) {
          toWorkers(std::move(c));
        } else if (now >= c.deadline) {
          if (c.buffered.empty()) {
            closeConnection(c);
          } else {
            answerAndClose(c.fd, "408 Request Timeout", "the request's headers did not arrive in time");
            std::lock_guard lock(mutex);
            if (--perClient[c.client] == 0) perClient.erase(c.client);
          }
        } else {
          ++i;
          continue;
        }
        if (i + 1 != waiting.size()) waiting[i] = std::move(waiting.back());
        waiting.pop_back();
      }
      auto next = now + std::chrono::seconds(1);
      fds.assign(1, pollfd{wakeFd, POLLIN, 0});
      for (const auto& c : waiting) {
        fds.push_back(pollfd{c.fd, POLLIN, 0});
        next = std::min(next, c.deadline);
      }
      auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
      int r = poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, timeout)));
      if (r <= 0) continue;
      if (fds[0].revents) {
        uint64_t count;
        (void)!::read(wakeFd, &count, sizeof count);
      }
      now = Clock::now();
      for (size_t i = fds.size() - 1; i >= 1; --i) {
        if (!fds[i].revents) continue;
        Connection& c = waiting[i - 1];
        char chunk[4096];
        ssize_t n = recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) {  // closed by the client, or broken
          closeConnection(c);
          if (i != waiting.size()) waiting[i - 1] = std::move(waiting.back());
          waiting.pop_back();
          continue;
        }
        if (c.buffered.empty()) {
          c.started = now;
          c.deadline = now + limits.headDeadline;
        }
        c.buffered.append(chunk, static_cast<size_t>(n));
      }
    }
    for (auto& c : waiting) closeConnection(c);
    std::lock_guard lock(mutex);
    for (auto& c : arriving) {
      shutdown(c.fd, SHUT_RDWR);
      close(c.fd);
    }
    arriving.clear();
  }

  void runWorker() {
    for (;;) {
      Connection c;
      {
        std::unique_lock lock(mutex);
        work.wait(lock, [&] { return stopping || !ready.empty(); });
        if (ready.empty()) return;
        c = std::move(ready.front());
        ready.pop_front();
      }
      DeadlineStream stream(c, c.started + limits.requestDeadline, limits.ioTimeout);
      ++c.requests;
      bool last = c.requests >= limits.maxRequestsPerConnection;
      bool closed = false;
      RequestTarget target;
      if (router && headComplete(c.buffered)) target = router(c.buffered);
      GuardedHttpServer& answering = target.server ? *target.server : server;
      bool ok = answering.process_request(stream, last, closed, nullptr);
      target = {};
      if (!ok || closed || last) {
        closeConnection(c);
      } else {
        c.started = Clock::now();
        waitForRequest(std::move(c));
      }
    }
  }
};

GuardedHttpServer::GuardedHttpServer(ConnectionLimits limits) : parts_(std::make_unique<Parts>(*this, limits)) {
  Parts& p = *parts_;
  p.wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  new_task_queue = [] { return new RunAtOnce; };
  if (limits.threads == 0) return;  // requests are handed over (RequestRouter)
  p.gate = std::thread([&p] { p.runGate(); });
  for (size_t i = 0; i < limits.threads; ++i) p.workers.emplace_back([&p] { p.runWorker(); });
}

void GuardedHttpServer::setRequestRouter(RequestRouter router) { parts_->router = std::move(router); }

std::thread GuardedHttpServer::listenInBackground() {
  auto ended = std::make_shared<std::atomic<bool>>(false);
  std::thread listener([this, ended] {
    listen_after_bind();
    *ended = true;
  });
  while (!is_running() && !*ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return listener;
}

GuardedHttpServer::~GuardedHttpServer() {
  finish();
  if (parts_->wakeFd >= 0) close(parts_->wakeFd);
}

void GuardedHttpServer::finish() {
  Parts& p = *parts_;
  {
    std::lock_guard lock(p.mutex);
    if (p.stopping) return;
    p.stopping = true;
  }
  p.wakeGate();
  p.work.notify_all();
  if (p.gate.joinable()) p.gate.join();
  for (auto& w : p.workers) {
    if (w.joinable()) w.join();
  }
}

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  Parts& p = *parts_;
  Connection c;
  c.fd = sock;
  c.client = peerAddress(sock);
  fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
  {
    std::lock_guard lock(p.mutex);
    size_t& open = p.perClient[c.client];
    if (p.stopping || open >= p.limits.maxPerClient) {
      if (open == 0) p.perClient.erase(c.client);
      bool stopping = p.stopping;
      // Outside the lock would be nicer; the answer is one non-blocking send.
      answerAndClose(sock, "503 Service Unavailable",
                     stopping ? "the server is stopping"
                              : "too many connections from this address; close some or reuse them (keep-alive)");
      return true;
    }
    ++open;
  }
  p.waitForRequest(std::move(c));
  return true;
}

}  // namespace voronka::server
