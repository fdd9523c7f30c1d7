// The binary encoding of a deal's fields, tags and visits: exact round trips,
// and damaged bytes refused rather than misread.
#include "runtime/store/deal_blob.h"

#include <gtest/gtest.h>

#include <bit>
#include <limits>

#include "tests/store/store_test_support.h"

namespace voronka {
namespace {

using namespace store::blob;

TEST(DealBlob, FieldsComeBackBitForBit) {
  std::vector<store::FieldValue> fields = testing::sampleDeal("d").fields;
  fields.push_back(testing::numberField(std::numeric_limits<double>::quiet_NaN()));
  fields.push_back(testing::intField(bc::Tag::DateTime, std::numeric_limits<int64_t>::min()));
  fields.push_back(testing::intField(bc::Tag::Enum, std::numeric_limits<int64_t>::max(), 65535));
  store::FieldValue odd;  // every member set, whatever the tag
  odd.tag = bc::Tag::Text;
  odd.aux = 3;
  odd.num = 1.5;
  odd.i = -7;
  odd.text = std::string("nul\0inside", 10);
  fields.push_back(odd);

  std::vector<store::FieldValue> back = decodeFields(encodeFields(fields));
  ASSERT_EQ(back.size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ(back[i].tag, fields[i].tag) << i;
    EXPECT_EQ(back[i].aux, fields[i].aux) << i;
    EXPECT_EQ(std::bit_cast<uint64_t>(back[i].num), std::bit_cast<uint64_t>(fields[i].num)) << i;
    EXPECT_EQ(back[i].i, fields[i].i) << i;
    EXPECT_EQ(back[i].text, fields[i].text) << i;
  }
}

TEST(DealBlob, EmptyListsAreEmptyBlobs) {
  EXPECT_EQ(encodeFields({}), "");
  EXPECT_EQ(encodeTags({}), "");
  EXPECT_EQ(encodeVisits({}), "");
  EXPECT_TRUE(decodeFields("").empty());
  EXPECT_TRUE(decodeTags("").empty());
  EXPECT_TRUE(decodeVisits("").empty());
}

TEST(DealBlob, TagsAndVisitsComeBack) {
  std::vector<std::string> tags = {"vip", "", "повтор", std::string(300, 't')};
  EXPECT_EQ(decodeTags(encodeTags(tags)), tags);
  store::VisitCounts visits = {
      {int64_t{3} << 32 | 7, 2}, {std::numeric_limits<int64_t>::min(), -1}, {-1, std::numeric_limits<int32_t>::max()}};
  EXPECT_EQ(decodeVisits(encodeVisits(visits)), visits);
}

// A deal's visits, one entry per stage in key order whatever order they came in.
TEST(DealBlob, VisitCountsKeepOneEntryPerStageInKeyOrder) {
  store::VisitCounts visits;
  for (int64_t key :
       {int64_t{2} << 32 | 1, int64_t{0}, int64_t{1} << 32, int64_t{0}, int64_t{2} << 32 | 1, int64_t{-4}})
    visits[key] += 1;
  std::vector<std::pair<int64_t, int32_t>> entries(visits.begin(), visits.end());
  EXPECT_EQ(entries, (std::vector<std::pair<int64_t, int32_t>>{
                         {-4, 1}, {0, 2}, {int64_t{1} << 32, 1}, {int64_t{2} << 32 | 1, 2}}));
  EXPECT_EQ(visits.count(0), 1u);
  EXPECT_EQ(visits.count(5), 0u);
  EXPECT_EQ(visits.find(5), visits.end());
  EXPECT_EQ(visits.find(-4)->second, 1);
}

TEST(DealBlob, EmptyFieldsAreTwoBytesEach) {
  // A deal has a slot for every field of the module; most are empty.
  EXPECT_EQ(encodeFields(std::vector<store::FieldValue>(40)).size(), 2u + 80u);
}

TEST(DealBlob, ADealComesBackWholeAndItsBytesKeepTheirFormat) {
  store::DealRecord d = testing::sampleDeal("d");
  d.fields.push_back(testing::textField(std::string(5000, 'x')));  // longer than any room guessed
  d.tags.push_back(std::string(300, 't'));
  d.error = "e1: failed";
  d.moduleVersion = "sha256:abc";
  d.childDeals = 3;
  d.version = std::numeric_limits<uint64_t>::max();
  d.enteredAt = std::numeric_limits<int64_t>::min();
  // Into room kept from deal to deal: too small, it grows; larger, it keeps
  // its size and what lies past the deal's bytes.
  std::string room = "xy";
  std::string_view bytes = encodeDealIn(room, d);
  EXPECT_EQ(bytes.data(), room.data());
  EXPECT_GT(room.size(), 5300u);
  std::string first(bytes);
  d.fields.pop_back();
  size_t roomSize = room.size();
  bytes = encodeDealIn(room, d);
  EXPECT_EQ(room.size(), roomSize);
  EXPECT_EQ(bytes, encodeDeal(d));
  EXPECT_EQ(room.substr(bytes.size(), 10), first.substr(bytes.size(), 10));
  d.fields.push_back(testing::textField(std::string(5000, 'x')));
  EXPECT_EQ(first, encodeDeal(d));
  EXPECT_EQ(testing::show(decodeDeal("d", encodeDeal(d))), testing::show(d));

  // The format, byte by byte, for a small deal (the memory store's rows).
  store::DealRecord small;
  small.pipeline = 1;
  small.stage = 2;
  small.enteredAt = 100;
  small.createdAt = 50;
  small.responsible = 0;
  small.epoch = 3;
  small.version = 7;
  small.name = "N";
  small.fields = {store::FieldValue{}, testing::intField(bc::Tag::Enum, -2, 5)};
  small.tags = {"t"};
  small.visits = {{5, 1}};
  const std::string expected = std::string("\x02\x04\x01\x01\xc8\x01\x64\x00\x00\x03\x07", 11) +  // numbers
                               std::string("\x01N\x00\x00\x00\x00\x00\x00\x00", 9) +              // texts
                               std::string("\x02\x00\x00\x08\x05\x05\x03", 7) +  // fields: none; enum, aux 5, -2
                               std::string("\x01\x01t", 3) + std::string("\x01\x0a\x02", 3);  // tags, visits
  EXPECT_EQ(encodeDeal(small), expected);
  EXPECT_EQ(testing::show(decodeDeal("", expected)), testing::show(small));
  for (size_t cut = 0; cut < expected.size(); ++cut)
    EXPECT_THROW(decodeDeal("", expected.substr(0, cut)), DamagedBlob) << cut;
}

// The memory store decodes into a record another deal left: nothing of that
// deal may stay (a field it set that this one has empty, a tag, a visit).
TEST(DealBlob, ADealDecodedIntoAnotherDealsRecordKeepsNothingOfIt) {
  store::DealRecord big = testing::sampleDeal("big");
  big.fields.push_back(testing::textField(std::string(500, 'x')));
  big.fields.push_back(testing::numberField(2.5));
  big.fields.push_back(testing::intField(bc::Tag::Enum, 7, 3));
  big.tags = {"vip", "повтор", std::string(40, 't')};
  big.visits = {{1, 2}, {int64_t{1} << 32, 1}};
  big.lostReason = "Дорого";
  big.error = "e1: failed";
  big.moduleVersion = "sha256:" + std::string(64, 'a');
  store::DealRecord small;
  small.pipeline = 0;
  small.stage = 1;
  small.fields.resize(big.fields.size());  // the same fields, all empty
  small.fields[1] = testing::intField(bc::Tag::DateTime, 0);
  small.visits = {{1, 1}};
  for (const store::DealRecord& next : {small, big}) {
    store::DealRecord reused = big;
    decodeDealInto(reused, "next", encodeDeal(next));
    store::DealRecord expected = next;
    expected.id = "next";
    EXPECT_EQ(testing::show(reused), testing::show(expected));
    EXPECT_EQ(testing::show(reused), testing::show(decodeDeal("next", encodeDeal(next))));
  }
}

TEST(DealBlob, DamagedBytesAreRefused) {
  std::string good = encodeTags({"vip", "повтор"});
  EXPECT_THROW(decodeTags(good.substr(0, good.size() - 1)), DamagedBlob);  // cut short
  EXPECT_THROW(decodeTags(good + "x"), DamagedBlob);                       // trailing bytes
  std::string format = good;
  format[0] = 9;
  EXPECT_THROW(decodeTags(format), DamagedBlob);                                      // unknown format
  EXPECT_THROW(decodeTags(std::string("\x01\xff\xff\xff\xff\x0f", 6)), DamagedBlob);  // a huge count
  EXPECT_THROW(decodeFields(std::string("\x01\x01\x63\x00", 4)), DamagedBlob);        // unknown value type
  EXPECT_THROW(decodeVisits(std::string("\x01\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 13)),
               DamagedBlob);  // a varint longer than 64 bits
}

}  // namespace
}  // namespace voronka
