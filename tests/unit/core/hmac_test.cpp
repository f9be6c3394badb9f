// Unit tests of src/core/hmac.h against the published test vectors: RFC 2202 section 3
// (HMAC-SHA-1) and RFC 4231 section 4 (HMAC-SHA-256), plus to_hex and constant-time compare.
#include "core/hmac.h"

#include <gtest/gtest.h>

#include <string>

namespace backstop::core {
namespace {

std::string sha1_hex(std::string_view key, std::string_view data) {
  auto mac = hmac_sha1(key, data);
  return to_hex(mac.data(), mac.size());
}

std::string sha256_hex(std::string_view key, std::string_view data) {
  auto mac = hmac_sha256(key, data);
  return to_hex(mac.data(), mac.size());
}

std::string bytes(size_t n, char c) {
  return std::string(n, c);
}

// 0x01 0x02 ... 0x19 (RFC 2202 and RFC 4231 test case 4).
std::string counting_key() {
  std::string k;
  for (int i = 1; i <= 25; ++i) k.push_back(static_cast<char>(i));
  return k;
}

TEST(HmacSha1, Rfc2202Vectors) {
  EXPECT_EQ(sha1_hex(bytes(20, '\x0b'), "Hi There"), "b617318655057264e28bc0b6fb378c8ef146be00");
  EXPECT_EQ(sha1_hex("Jefe", "what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(sha1_hex(bytes(20, '\xaa'), bytes(50, '\xdd')),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3");
  EXPECT_EQ(sha1_hex(counting_key(), bytes(50, '\xcd')),
            "4c9007f4026250c6bc8414f9bf50c86c2d7235da");
  EXPECT_EQ(sha1_hex(bytes(20, '\x0c'), "Test With Truncation"),
            "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04");
  EXPECT_EQ(sha1_hex(bytes(80, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112");
  EXPECT_EQ(sha1_hex(bytes(80, '\xaa'),
                     "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91");
}

TEST(HmacSha256, Rfc4231Vectors) {
  EXPECT_EQ(sha256_hex(bytes(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(sha256_hex(bytes(20, '\xaa'), bytes(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  EXPECT_EQ(sha256_hex(counting_key(), bytes(50, '\xcd')),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(
      sha256_hex(bytes(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(sha256_hex(bytes(131, '\xaa'),
                       "This is a test using a larger than block-size key and a larger than "
                       "block-size data. The key needs to be hashed before being used by the "
                       "HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, Rfc4231TruncatedOutput) {
  // Test case 5 publishes only the first 128 bits.
  EXPECT_EQ(sha256_hex(bytes(20, '\x0c'), "Test With Truncation").substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b");
}

TEST(Hmac, EmptyKeyAndDataAreAllowed) {
  EXPECT_EQ(sha1_hex("", ""), "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
  EXPECT_EQ(sha256_hex("", ""), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Hmac, KeyAndDataMayHoldNulBytes) {
  std::string key("k\0y", 3), data("d\0t\0", 4);
  EXPECT_NE(sha256_hex(key, data), sha256_hex("k", "d"));
  EXPECT_EQ(sha256_hex(key, data), sha256_hex(std::string("k\0y", 3), std::string("d\0t\0", 4)));
}

TEST(ToHex, LowerCaseTwoDigitsPerByte) {
  const uint8_t data[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(data, 4), "000fa0ff");
  EXPECT_EQ(to_hex(data, 0), "");
}

TEST(EqualConstantTime, ComparesContentAndLength) {
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "ab"));
  EXPECT_FALSE(equal_constant_time("", "a"));
  EXPECT_TRUE(equal_constant_time(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(equal_constant_time(std::string("a\0b", 3), std::string("a\0c", 3)));
}

}  // namespace
}  // namespace backstop::core
