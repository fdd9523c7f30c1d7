#include "runtime/store/deal_blob.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace voronka::store::blob {

namespace {

constexpr uint8_t kFormat = 1;
enum FieldFlags : uint8_t { kAux = 1, kNum = 2, kInt = 4, kText = 8 };

// Writes into a string grown ahead (by doubling) and cut to length at the
// end (take() or done()): a byte costs a store, not a push_back call.
class Writer {
 public:
  Writer() : out_(own_), n_(0) {}
  explicit Writer(std::string& out) : out_(out), n_(out.size()) {}
  void byte(uint8_t b) {
    room(1);
    out_[n_++] = static_cast<char>(b);
  }
  void varint(uint64_t v) {
    room(10);
    char* p = out_.data();
    while (v >= 0x80) {
      p[n_++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    p[n_++] = static_cast<char>(v);
  }
  // A varint at p; returns its end.
  static char* varintAt(char* p, uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
  }
  // At most `most` bytes written by write(p), which returns where it stopped.
  template <typename Write>
  void fixed(size_t most, Write write) {
    room(most);
    char* start = out_.data() + n_;
    n_ += static_cast<size_t>(write(start) - start);
  }
  void signedVarint(int64_t v) { varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void real(double d) {
    uint64_t bits = std::bit_cast<uint64_t>(d);
    room(8);
    for (int i = 0; i < 8; ++i) out_[n_++] = static_cast<char>(bits >> (8 * i));
  }
  void text(std::string_view s) {
    varint(s.size());
    room(s.size());
    if (!s.empty()) std::memcpy(out_.data() + n_, s.data(), s.size());
    n_ += s.size();
  }
  // Starts a non-empty list.
  void header(size_t count) {
    byte(kFormat);
    varint(count);
  }
  std::string take() {
    done();
    return std::move(out_);
  }
  void done() { out_.resize(n_); }
  void reserve(size_t n) { room(n); }

 private:
  void room(size_t k) {
    if (n_ + k > out_.size()) out_.resize(std::max(2 * out_.size(), n_ + k + 64));
  }
  std::string own_;
  std::string& out_;
  size_t n_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t byte() {
    if (pos_ >= in_.size()) throw DamagedBlob("the data ends too early");
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw DamagedBlob("a number is too long");
  }
  int64_t signedVarint() {
    uint64_t u = varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  double real() {
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(byte()) << (8 * i);
    return std::bit_cast<double>(bits);
  }
  std::string text() { return std::string(view()); }
  std::string_view view() {
    uint64_t n = varint();
    if (n > in_.size() - pos_) throw DamagedBlob("a text runs past the end");
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // The item count of a list (0 for an empty blob).
  size_t header() {
    if (in_.empty()) return 0;
    if (byte() != kFormat) throw DamagedBlob("unknown list format");
    uint64_t n = varint();
    if (n > in_.size())
      throw DamagedBlob("the item count is larger than the data");  // every item takes a byte at least
    return n;
  }
  void finish() const {
    if (pos_ != in_.size()) throw DamagedBlob("unexpected bytes after the last item");
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

// The most bytes a field takes besides its text: tag, flags, aux, num, i and the text's length.
constexpr size_t kFieldMost = 2 + 10 + 8 + 10 + 10;

char* textAt(char* p, std::string_view s) {
  p = Writer::varintAt(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// A field at p, with room for kFieldMost bytes and its text; returns the end.
// Inlined into encodeDeal()'s loop: a deal has dozens of fields, most empty.
[[gnu::always_inline]] inline char* fieldAt(char* p, const FieldValue& f) {
  uint8_t flags = (f.aux != 0 ? kAux : 0) | (std::bit_cast<uint64_t>(f.num) != 0 ? kNum : 0) | (f.i != 0 ? kInt : 0) |
                  (!f.text.empty() ? kText : 0);
  *p++ = static_cast<char>(f.tag);
  *p++ = static_cast<char>(flags);
  if (flags & kAux) p = Writer::varintAt(p, f.aux);
  if (flags & kNum) {
    uint64_t bits = std::bit_cast<uint64_t>(f.num);
    for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(bits >> (8 * i));
  }
  if (flags & kInt) p = Writer::varintAt(p, zigzag(f.i));
  if (flags & kText) p = textAt(p, f.text);
  return p;
}

void writeField(Writer& w, const FieldValue& f) {
  w.fixed(kFieldMost + f.text.size(), [&](char* p) { return fieldAt(p, f); });
}

void readField(Reader& r, FieldValue& f) {
  uint8_t tag = r.byte();
  if (tag > bc::kLastTag) throw DamagedBlob("unknown value type");
  f.tag = static_cast<bc::Tag>(tag);
  uint8_t flags = r.byte();
  if (flags & kAux) f.aux = static_cast<uint16_t>(r.varint());
  if (flags & kNum) f.num = r.real();
  if (flags & kInt) f.i = r.signedVarint();
  if (flags & kText) f.text.assign(r.view());
}

}  // namespace

std::string encodeFields(const std::vector<FieldValue>& fields) {
  if (fields.empty()) return {};
  Writer w;
  w.header(fields.size());
  for (const FieldValue& f : fields) writeField(w, f);
  return w.take();
}

std::vector<FieldValue> decodeFields(std::string_view bytes) {
  Reader r(bytes);
  std::vector<FieldValue> out(r.header());
  for (FieldValue& f : out) readField(r, f);
  r.finish();
  return out;
}

std::string encodeTags(const std::vector<std::string>& tags) {
  if (tags.empty()) return {};
  Writer w;
  w.header(tags.size());
  for (const std::string& t : tags) w.text(t);
  return w.take();
}

std::vector<std::string> decodeTags(std::string_view bytes) {
  Reader r(bytes);
  std::vector<std::string> out(r.header());
  for (std::string& t : out) t = r.text();
  r.finish();
  return out;
}

std::string encodeVisits(const VisitCounts& visits) {
  if (visits.empty()) return {};
  Writer w;
  w.header(visits.size());
  for (const auto& [key, count] : visits) {
    w.signedVarint(key);
    w.signedVarint(count);
  }
  return w.take();
}

VisitCounts decodeVisits(std::string_view bytes) {
  Reader r(bytes);
  VisitCounts out;
  for (size_t n = r.header(); n > 0; --n) {
    int64_t key = r.signedVarint();
    out[key] = static_cast<int32_t>(r.signedVarint());
  }
  r.finish();
  return out;
}

std::string encodeDeal(const DealRecord& d) {
  std::string room;
  return std::string(encodeDealIn(room, d));
}

std::string_view encodeDealIn(std::string& room, const DealRecord& d) {
  // Every save writes the whole deal: the room it can take is counted once,
  // then every byte is stored through a pointer, with no check per item.
  // The room is kept from save to save, at its largest: growing it is rare,
  // and a string resized to fit each deal would write zeros over it first.
  const std::string* texts[] = {&d.name,        &d.contactName, &d.contactEmail, &d.contactPhone,
                                &d.companyName, &d.lostReason,  &d.error,        &d.moduleVersion};
  size_t most = 13 * 10 + d.visits.size() * 20;  // the numbers, the counts and the visits
  for (const std::string* t : texts) most += 10 + t->size();
  for (const FieldValue& f : d.fields) most += kFieldMost + f.text.size();
  for (const std::string& t : d.tags) most += 10 + t.size();
  if (room.size() < most) room.resize(std::max(most, 2 * room.size()));
  char* const start = room.data();
  char* p = start;
  for (int64_t v : {int64_t{d.pipeline}, int64_t{d.stage}, int64_t{d.previousPipeline}, int64_t{d.previousStage},
                    d.enteredAt, d.createdAt, int64_t{d.responsible}, int64_t{d.childDeals}})
    p = Writer::varintAt(p, zigzag(v));
  p = Writer::varintAt(p, d.epoch);
  p = Writer::varintAt(p, d.version);
  for (const std::string* t : texts) p = textAt(p, *t);
  // The lists inline, each a count and its items.
  p = Writer::varintAt(p, d.fields.size());
  for (const FieldValue& f : d.fields) p = fieldAt(p, f);
  p = Writer::varintAt(p, d.tags.size());
  for (const std::string& t : d.tags) p = textAt(p, t);
  p = Writer::varintAt(p, d.visits.size());
  for (const auto& [key, count] : d.visits) {
    p = Writer::varintAt(p, zigzag(key));
    p = Writer::varintAt(p, zigzag(count));
  }
  return {start, static_cast<size_t>(p - start)};
}

DealRecord decodeDeal(std::string id, std::string_view bytes) {
  DealRecord d;
  decodeDealInto(d, id, bytes);
  return d;
}

void decodeDealInto(DealRecord& d, std::string_view id, std::string_view bytes) {
  // Every member is assigned (a recycled record keeps nothing of the deal it
  // held), into the room its strings and lists already have.
  Reader r(bytes);
  d.id.assign(id);
  for (int32_t* v : {&d.pipeline, &d.stage, &d.previousPipeline, &d.previousStage})
    *v = static_cast<int32_t>(r.signedVarint());
  d.enteredAt = r.signedVarint();
  d.createdAt = r.signedVarint();
  d.responsible = static_cast<int32_t>(r.signedVarint());
  d.childDeals = static_cast<int32_t>(r.signedVarint());
  d.epoch = r.varint();
  d.version = r.varint();
  for (std::string* t : {&d.name, &d.contactName, &d.contactEmail, &d.contactPhone, &d.companyName, &d.lostReason,
                         &d.error, &d.moduleVersion})
    t->assign(r.view());
  // Every item takes a byte at least: a count past the data is damage.
  auto count = [&] {
    uint64_t n = r.varint();
    if (n > bytes.size()) throw DamagedBlob("the item count is larger than the data");
    return static_cast<size_t>(n);
  };
  d.fields.resize(count());
  for (FieldValue& f : d.fields) {
    f.aux = 0;
    f.num = 0;
    f.i = 0;
    f.text.clear();
    readField(r, f);
  }
  d.tags.resize(count());
  for (std::string& t : d.tags) t.assign(r.view());
  d.visits.clear();
  for (size_t n = count(); n > 0; --n) {
    int64_t key = r.signedVarint();
    d.visits[key] = static_cast<int32_t>(r.signedVarint());
  }
  r.finish();
}

}  // namespace voronka::store::blob
