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
  std::map<int64_t, int32_t> visits = {
      {std::numeric_limits<int64_t>::min(), -1}, {-1, std::numeric_limits<int32_t>::max()}, {int64_t{3} << 32 | 7, 2}};
  EXPECT_EQ(decodeVisits(encodeVisits(visits)), visits);
}

TEST(DealBlob, EmptyFieldsAreTwoBytesEach) {
  // A deal has a slot for every field of the module; most are empty.
  EXPECT_EQ(encodeFields(std::vector<store::FieldValue>(40)).size(), 2u + 80u);
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
