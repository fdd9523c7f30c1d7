// A deal's lists — field values, tags, stage visits — as compact binary
// blobs, so a deal is one row that reads and writes without parsing JSON
// (and keeps every double, NaN and infinities included, bit for bit).
//
// Format: an empty list is an empty blob. Otherwise: a format byte (1), the
// item count, then the items. Integers are LEB128 varints, signed ones
// zigzag-encoded; texts are a length and UTF-8 bytes; doubles 8 bytes,
// little-endian.
//   field: tag (1 byte), flags (1 byte: 1 aux, 2 num, 4 i, 8 text), then
//          aux, num, i, text — each only when its flag is set
//   tag:   text
//   visit: key (signed), count (signed)
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/records.h"

namespace voronka::store::blob {

// Thrown when a blob is damaged (the store adds which deal and file).
class DamagedBlob : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string encodeFields(const std::vector<FieldValue>& fields);
std::vector<FieldValue> decodeFields(std::string_view bytes);

std::string encodeTags(const std::vector<std::string>& tags);
std::vector<std::string> decodeTags(std::string_view bytes);

std::string encodeVisits(const VisitCounts& visits);
VisitCounts decodeVisits(std::string_view bytes);

// A whole deal but its id (the in-memory store keeps deals so, compact):
// the items above in their order, the lists as nested blobs.
std::string encodeDeal(const DealRecord& deal);
// The same written at the start of `room`, which grows when it is too
// small and never shrinks (so it is not zeroed per save); the bytes are
// valid until room's next use.
std::string_view encodeDealIn(std::string& room, const DealRecord& deal);
DealRecord decodeDeal(std::string id, std::string_view bytes);
// The same into `deal`, reusing the room of its strings and lists (the
// memory store decodes into the record of a deal it let go of).
void decodeDealInto(DealRecord& deal, std::string_view id, std::string_view bytes);

}  // namespace voronka::store::blob
