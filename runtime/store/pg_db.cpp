#include "runtime/store/pg_db.h"

#include <endian.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace voronka::store::pg {

namespace {

constexpr Oid kInt2 = 21, kInt4 = 23, kBool = 16;

// libpq's message on one line: its hint lines follow a newline and a tab.
std::string trimmed(const char* message) {
  std::string s;
  for (const char* p = message ? message : ""; *p; ++p) {
    if (*p == '\t') continue;
    s += *p == '\n' && p[1] ? ' ' : *p;
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "no message from libpq" : s;
}

using ResultPtr = std::unique_ptr<PGresult, void (*)(PGresult*)>;

bool succeeded(const PGresult* r) {
  ExecStatusType status = PQresultStatus(r);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

void appendBigEndian32(std::string& out, uint32_t v) {
  uint32_t network = htobe32(v);
  out.append(reinterpret_cast<const char*>(&network), sizeof network);
}

// A one-dimensional array without NULLs in PostgreSQL's binary form
// (array_send): dimensions, no-NULLs flag, element type, size and lower
// bound, then each element's length and bytes.
template <typename Values, typename Element>
std::string binaryArray(Oid elementType, const Values& values, Element element) {
  std::string out;
  appendBigEndian32(out, 1);
  appendBigEndian32(out, 0);
  appendBigEndian32(out, elementType);
  appendBigEndian32(out, static_cast<uint32_t>(values.size()));
  appendBigEndian32(out, 1);
  for (const auto& v : values) {
    std::string_view bytes = element(v);
    appendBigEndian32(out, static_cast<uint32_t>(bytes.size()));
    out += bytes;
  }
  return out;
}

}  // namespace

std::string describeConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (!options) {
    std::string message = "an invalid connection string (" + trimmed(error) + ")";
    PQfreemem(error);
    return message;
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val || std::strcmp(o->keyword, "password") == 0) continue;
    if (!out.empty()) out += ' ';
    out += std::string(o->keyword) + "=" + o->val;
  }
  PQconninfoFree(options);
  return out.empty() ? "the libpq defaults (PGHOST, PGDATABASE, …)" : out;
}

Conn::Conn(const std::string& conninfo) {
  char* error = nullptr;
  if (PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error)) {
    PQconninfoFree(options);
  } else {
    // Not repeated in the message: it may hold a password.
    std::string message = "the PostgreSQL connection string is not valid: " + trimmed(error) +
                          "; write key=value pairs (host=/run/postgresql dbname=voronka) or a postgresql:// URI";
    PQfreemem(error);
    throw StoreError(message);
  }
  // Later keywords win: the caller's string may change the timeout and the
  // name, never the encoding (texts go in and out as UTF-8 bytes).
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"10", "voronka", conninfo.c_str(), "UTF8", nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string message = "cannot connect to PostgreSQL at " + describeConninfo(conninfo) + ": " +
                          trimmed(conn_ ? PQerrorMessage(conn_) : "out of memory");
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError(message);
  }
  label_ = std::string("PostgreSQL database ") + PQdb(conn_) + " on " + PQhost(conn_) + ":" + PQport(conn_);
}

Conn::~Conn() { PQfinish(conn_); }

void Conn::setSchema(const std::string& schema) { label_ += ", schema " + schema; }

void Conn::fail(const char* what, const PGresult* result) const {
  const char* message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  if (!message || !*message) message = PQerrorMessage(conn_);
  throw StoreError("store " + label_ + ": " + what + ": " + trimmed(message));
}

void Conn::exec(const char* sql, const char* what) {
  flush();
  ResultPtr r(PQexec(conn_, sql), PQclear);
  // Several statements: PQexec returns the last one's result, or the failing one's.
  if (!r || !succeeded(r.get())) fail(what, r.get());
}

std::string Conn::queryText(const char* sql, const char* what) {
  flush();
  ResultPtr r(PQexec(conn_, sql), PQclear);
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(what, r.get());
  if (PQntuples(r.get()) != 1 || PQnfields(r.get()) != 1) {
    throw StoreError("store " + label_ + ": " + what + ": expected one value, got " +
                     std::to_string(PQntuples(r.get())) + " rows");
  }
  return PQgetisnull(r.get(), 0, 0) ? std::string() : std::string(PQgetvalue(r.get(), 0, 0));
}

void Conn::reconnect() {
  discardPending();
  PQreset(conn_);
  ++generation_;
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw StoreError("store " + label_ +
                     ": lost the connection and cannot connect again: " + trimmed(PQerrorMessage(conn_)));
  }
}

void Conn::discardPending() noexcept {
  pending_.clear();
  dropHeldRows();
  owed_ = nullptr;
  owedHeld_ = false;
}

void Conn::owe(const char* savepoint, const char* what) {
  owed_ = savepoint;
  owedWhat_ = what;
  owedHeld_ = false;
  for (RowGroup* g : groups_) g->owedFrom_ = g->rows_.size();
}

bool Conn::settle(bool keep) noexcept {
  bool held = owedHeld_;
  if (!keep) {
    for (RowGroup* g : groups_) g->rows_.resize(held ? 0 : std::min(g->owedFrom_, g->rows_.size()));
  }
  owed_ = nullptr;
  owedHeld_ = false;
  for (RowGroup* g : groups_) g->owedFrom_ = 0;
  return held;
}

void Conn::dropHeldRows() noexcept {
  for (RowGroup* g : groups_) g->rows_.clear();
}

void Conn::emitRows() {
  if (emitting_) return;
  emitting_ = true;
  try {
    if (owed_) {
      // The rows of transactions before the owed savepoint, then it.
      for (RowGroup* g : groups_) {
        auto from = g->rows_.begin() + static_cast<std::ptrdiff_t>(std::min(g->owedFrom_, g->rows_.size()));
        std::vector<std::vector<std::string>> before(std::make_move_iterator(g->rows_.begin()),
                                                     std::make_move_iterator(from));
        g->rows_.erase(g->rows_.begin(), from);
        g->owedFrom_ = 0;
        g->emit(std::move(before));
      }
      pending_.push_back({nullptr, owed_, owedWhat_, {}, {}});
      owed_ = nullptr;
      owedHeld_ = true;
    }
    for (RowGroup* g : groups_) {
      std::vector<std::vector<std::string>> rows;
      rows.swap(g->rows_);
      g->emit(std::move(rows));
    }
  } catch (...) {
    emitting_ = false;
    throw;
  }
  emitting_ = false;
}

void Conn::defer(const char* sql, const char* what) {
  emitRows();
  pending_.push_back({nullptr, sql, what, {}, {}});
  if (pending_.size() >= kMaxPending) flush();
}

void Conn::flush() {
  emitRows();
  if (pending_.empty()) return;
  std::vector<Pending> work;
  work.swap(pending_);
  sendTogether(work, false);
}

PGresult* Conn::sendTogether(std::vector<Pending>& work, bool keepLast) {
  if (PQenterPipelineMode(conn_) != 1) fail(work.front().what);
  // One entry per result to read: a statement prepared on the way, or one run.
  struct Sent {
    Statement* prepared;
    const char* what;
  };
  ResultPtr kept(nullptr, PQclear);
  std::vector<Sent> sent;
  std::string error;
  for (Pending& p : work) {
    int n = static_cast<int>(p.values.size());
    if (p.statement && p.statement->preparedOn_ != generation_) {
      if (PQsendPrepare(conn_, p.statement->name_.c_str(), p.statement->sql_, n, p.types.data()) != 1) {
        error = std::string(p.what) + ": " + trimmed(PQerrorMessage(conn_));
        break;
      }
      p.statement->preparedOn_ = generation_;
      sent.push_back({p.statement, p.what});
    }
    std::vector<const char*> values(p.values.size());
    std::vector<int> lengths(p.values.size()), formats(p.values.size(), 1);
    for (size_t i = 0; i < p.values.size(); ++i) {
      values[i] = p.values[i].data();
      lengths[i] = static_cast<int>(p.values[i].size());
    }
    int ok = p.statement ? PQsendQueryPrepared(conn_, p.statement->name_.c_str(), n, values.data(), lengths.data(),
                                               formats.data(), 1)
                         : PQsendQueryParams(conn_, p.sql, 0, nullptr, nullptr, nullptr, nullptr, 0);
    if (ok != 1) {
      error = std::string(p.what) + ": " + trimmed(PQerrorMessage(conn_));
      break;
    }
    sent.push_back({nullptr, p.what});
  }
  bool synced = PQpipelineSync(conn_) == 1;
  bool lastSent = error.empty();
  for (size_t i = 0; i < sent.size(); ++i) {
    const Sent& s = sent[i];
    ResultPtr r(PQgetResult(conn_), PQclear);
    if (!r) {
      if (error.empty()) error = std::string(s.what) + ": " + trimmed(PQerrorMessage(conn_));
      if (s.prepared) s.prepared->preparedOn_ = 0;
      continue;
    }
    if (!succeeded(r.get())) {
      // After the first failure the server skips the rest (PGRES_PIPELINE_ABORTED).
      if (error.empty()) error = std::string(s.what) + ": " + trimmed(PQresultErrorMessage(r.get()));
      if (s.prepared) s.prepared->preparedOn_ = 0;
    }
    while (PGresult* end = PQgetResult(conn_)) PQclear(end);  // a NULL ends each statement's results
    if (keepLast && lastSent && i + 1 == sent.size()) kept = std::move(r);
  }
  if (synced) {
    while (PGresult* r = PQgetResult(conn_)) {  // the sync's own result
      bool isSync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (isSync) break;
    }
  } else if (error.empty()) {
    error = std::string("sending statements together: ") + trimmed(PQerrorMessage(conn_));
  }
  PQexitPipelineMode(conn_);  // fails only on a broken connection, which reconnect() resets
  if (!error.empty()) throw StoreError("store " + label_ + ": " + error);
  return kept.release();
}

Statement::Statement(Conn& conn, const char* sql, const char* what) : conn_(conn), sql_(sql), what_(what) {
  static std::atomic<uint64_t> counter{0};
  name_ = "voronka_" + std::to_string(++counter);
}

Query& Query::bind(int64_t v) {
  uint64_t network = htobe64(static_cast<uint64_t>(v));
  return add(kInt8, std::string_view(reinterpret_cast<const char*>(&network), sizeof network));
}

Query& Query::add(Oid type, std::string_view bytes) {
  types_.push_back(type);
  values_.emplace_back(bytes);
  return *this;
}

void Query::execute() {
  Conn& conn = s_.conn_;
  conn.emitRows();
  if (!conn.pending_.empty()) {
    // What waits goes first, this read last, in one round trip.
    std::vector<Conn::Pending> work;
    work.swap(conn.pending_);
    work.push_back({&s_, s_.sql_, s_.what_, types_, values_});
    result_.reset(conn.sendTogether(work, true));
    if (!result_) throw StoreError("store " + conn.label() + ": " + s_.what_ + ": no result");
    return;
  }
  int n = static_cast<int>(values_.size());
  if (s_.preparedOn_ != conn.generation()) {
    ResultPtr prepared(PQprepare(conn.handle(), s_.name_.c_str(), s_.sql_, n, types_.data()), PQclear);
    if (!prepared || !succeeded(prepared.get())) conn.fail(s_.what_, prepared.get());
    s_.preparedOn_ = conn.generation();
  }
  std::vector<const char*> values(values_.size());
  std::vector<int> lengths(values_.size()), formats(values_.size(), 1);
  for (size_t i = 0; i < values_.size(); ++i) {
    values[i] = values_[i].data();
    lengths[i] = static_cast<int>(values_[i].size());
  }
  result_.reset(PQexecPrepared(conn.handle(), s_.name_.c_str(), n, values.data(), lengths.data(), formats.data(), 1));
  if (!result_ || !succeeded(result_.get())) conn.fail(s_.what_, result_.get());
}

bool Query::step() {
  if (!result_) execute();
  ++row_;
  return row_ < PQntuples(result_.get());
}

void Query::run() {
  if (!result_) execute();
}

Query& Query::bindTexts(const std::vector<std::string>& texts) {
  return add(1009, binaryArray(kText, texts, [](const std::string& t) -> std::string_view { return t; }));
}

void Query::defer() {
  Conn& conn = s_.conn_;
  conn.emitRows();  // rows held before this statement are written before it
  conn.pending_.push_back({&s_, s_.sql_, s_.what_, std::move(types_), std::move(values_)});
  if (conn.pending_.size() >= Conn::kMaxPending) conn.flush();
}

int64_t Query::changes() const {
  const char* n = result_ ? PQcmdTuples(result_.get()) : "";
  return *n ? std::stoll(n) : 0;
}

std::string_view Query::bytes(int col) const {
  if (PQgetisnull(result_.get(), row_, col)) return {};
  return std::string_view(PQgetvalue(result_.get(), row_, col),
                          static_cast<size_t>(PQgetlength(result_.get(), row_, col)));
}

int64_t Query::i64(int col) const {
  if (PQgetisnull(result_.get(), row_, col)) return 0;
  const char* p = PQgetvalue(result_.get(), row_, col);
  switch (PQftype(result_.get(), col)) {
    case kInt8: {
      uint64_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<int64_t>(be64toh(v));
    }
    case kInt4: {
      uint32_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<int32_t>(be32toh(v));
    }
    case kInt2: {
      uint16_t v;
      std::memcpy(&v, p, sizeof v);
      return static_cast<int16_t>(be16toh(v));
    }
    case kBool: return *p != 0;
    default:
      throw StoreError("store " + s_.conn_.label() + ": " + s_.what_ + ": column " + std::to_string(col) +
                       " is not an integer (type oid " + std::to_string(PQftype(result_.get(), col)) + ")");
  }
}

// ───────────────────────────── rows held together ─────────────────────────────

RowGroup::RowGroup(Conn& conn, const char* sql, std::vector<Type> columns, const char* what, int keyColumn)
    : conn_(conn), statement_(conn, sql, what), columns_(std::move(columns)), keyColumn_(keyColumn) {
  conn_.groups_.push_back(this);
}

RowGroup::~RowGroup() { std::erase(conn_.groups_, this); }

RowGroup::Row& RowGroup::Row::bind(int64_t v) {
  uint64_t network = htobe64(static_cast<uint64_t>(v));
  values_.emplace_back(reinterpret_cast<const char*>(&network), sizeof network);
  return *this;
}

RowGroup::Row& RowGroup::Row::bind(std::string_view bytes) {
  values_.emplace_back(bytes);
  return *this;
}

void RowGroup::Row::done() {
  if (values_.size() != g_.columns_.size()) throw std::logic_error("RowGroup: a row with the wrong number of values");
  g_.rows_.push_back(std::move(values_));
}

void RowGroup::emit(std::vector<std::vector<std::string>> rows) {
  if (rows.empty()) return;
  if (keyColumn_ >= 0) {
    // One row per key: the last one's values where the first one stood (a
    // deal created, then saved again, keeps its place in creation order).
    std::vector<std::vector<std::string>> kept;
    std::unordered_map<std::string, size_t> at;
    for (auto& row : rows) {
      auto [it, added] = at.emplace(row[static_cast<size_t>(keyColumn_)], kept.size());
      if (added) {
        kept.push_back(std::move(row));
      } else {
        kept[it->second] = std::move(row);
      }
    }
    rows.swap(kept);
  }
  Query q(statement_);
  for (size_t c = 0; c < columns_.size(); ++c) {
    Oid element = columns_[c] == Type::Int8 ? 20 : columns_[c] == Type::Text ? 25 : 17;
    Oid array = columns_[c] == Type::Int8 ? 1016 : columns_[c] == Type::Text ? 1009 : 1001;
    q.bindArray(array, binaryArray(element, rows,
                                   [c](const std::vector<std::string>& row) -> std::string_view { return row[c]; }));
  }
  q.defer();
}

}  // namespace voronka::store::pg
