// A throwaway PostgreSQL server for the tests: initdb and pg_ctl (Debian's
// postgresql package) on a unix socket in a temp directory, no TCP, fsync
// off. Started at its first use in a test process, stopped and removed when
// the process exits; each test gets a schema of its own. So `make test`
// needs no server running beforehand.
//
// PostgreSQL refuses to run as root: when the tests run as root, initdb and
// the server run as the unprivileged user `nobody` (VORONKA_PG_USER picks
// another), which owns the directory. The binaries are looked for in
// VORONKA_PG_BIN, then /usr/lib/postgresql/<newest>/bin; without them, the
// PostgreSQL tests are skipped and say why.
#pragma once

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

namespace voronka::testing {

class TestPostgres {
 public:
  // The server of this test process (started at the first call).
  static TestPostgres& instance() {
    static TestPostgres server;
    return server;
  }

  // Empty when the server runs; otherwise why it does not (for GTEST_SKIP or a failure).
  const std::string& unavailable() const { return why_; }

  // libpq connection string to the server's `postgres` database, as its superuser.
  std::string conninfo() const { return "host=" + dir_.string() + " user=voronka dbname=postgres"; }

  // A new empty schema; the connection string to a store in it.
  std::string freshSchema() {
    static std::atomic<int> counter{0};
    std::string schema = "t" + std::to_string(counter++);
    run("CREATE SCHEMA " + schema);
    return conninfo() + " options='-csearch_path=" + schema + "'";
  }

  // Runs SQL as the superuser; returns libpq's error ("" when it worked).
  std::string run(const std::string& sql) {
    PGconn* conn = PQconnectdb(conninfo().c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* r = PQexec(conn, sql.c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        error = PQresultErrorMessage(r);
      }
      PQclear(r);
    }
    PQfinish(conn);
    return error;
  }

  ~TestPostgres() {
    if (started_) shell(asUser(quote(bin_ / "pg_ctl") + " -D " + quote(dir_ / "data") + " -m immediate -w stop"));
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

 private:
  TestPostgres() {
    bin_ = findBin();
    if (bin_.empty()) {
      why_ =
          "PostgreSQL's initdb and pg_ctl were not found (install Debian's postgresql package, or set "
          "VORONKA_PG_BIN to their directory): the PostgreSQL store is not tested";
      return;
    }
    dir_ = std::filesystem::temp_directory_path() / ("voronka_pg_" + std::to_string(getpid()));
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    std::filesystem::create_directories(dir_);
    if (geteuid() == 0) {
      const char* name = std::getenv("VORONKA_PG_USER");
      user_ = name && *name ? name : "nobody";
      struct passwd* pw = getpwnam(user_.c_str());
      if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        why_ = "the tests run as root and PostgreSQL must not: cannot hand " + dir_.string() + " to user " + user_;
        return;
      }
    }
    std::string log = quote(dir_ / "setup.log");
    if (shell(asUser(quote(bin_ / "initdb") + " -D " + quote(dir_ / "data") +
                     " -U voronka --auth=trust -E UTF8 --no-locale --no-sync") +
              " >" + log + " 2>&1") != 0) {
      why_ = "initdb failed: " + tail(dir_ / "setup.log");
      return;
    }
    // No TCP: only the socket in our directory. Durability is not tested here.
    std::string options =
        "-k " + dir_.string() + " -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    if (shell(asUser(quote(bin_ / "pg_ctl") + " -D " + quote(dir_ / "data") + " -l " + quote(dir_ / "server.log") +
                     " -w -t 60 -o " + quote(options) + " start") +
              " >>" + log + " 2>&1") != 0) {
      why_ = "pg_ctl start failed: " + tail(dir_ / "server.log");
      return;
    }
    started_ = true;
  }

  static std::filesystem::path findBin() {
    if (const char* env = std::getenv("VORONKA_PG_BIN"); env && *env) {
      return std::filesystem::exists(std::filesystem::path(env) / "initdb") ? env : "";
    }
    std::filesystem::path best;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
      std::filesystem::path bin = entry.path() / "bin";
      if (!std::filesystem::exists(bin / "initdb") || !std::filesystem::exists(bin / "pg_ctl")) continue;
      // The newest version: compare as numbers (9.6 < 15).
      auto version = [](const std::filesystem::path& p) { return std::atof(p.parent_path().filename().c_str()); };
      if (best.empty() || version(bin) > version(best)) best = bin;
    }
    return best;
  }

  static std::string quote(const std::filesystem::path& p) { return quote(p.string()); }
  static std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  std::string asUser(const std::string& command) const {
    return user_.empty() ? command : "runuser -u " + quote(user_) + " -- " + command;
  }
  static int shell(const std::string& command) { return std::system(command.c_str()); }
  static std::string tail(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream all;
    all << in.rdbuf();
    std::string text = all.str();
    return text.size() > 600 ? "…" + text.substr(text.size() - 600) : text;
  }

  std::filesystem::path bin_, dir_;
  std::string user_;  // who runs the server; empty: this process's user
  std::string why_;
  bool started_ = false;
};

}  // namespace voronka::testing
