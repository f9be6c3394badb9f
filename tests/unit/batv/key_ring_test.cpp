// Unit tests for the BATV key ring and its key-file parser: which key signs, comments and
// blanks, and every error reported with its line number (and never the secret).
#include "batv/key_ring.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace backstop::batv {
namespace {

TEST(KeyRing, AddFindAndSigningKey) {
  KeyRing ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.signing_key(), nullptr);
  EXPECT_TRUE(ring.add(2, "two"));
  EXPECT_TRUE(ring.add(7, "seven"));
  EXPECT_EQ(ring.size(), 2u);
  ASSERT_NE(ring.signing_key(), nullptr);
  EXPECT_EQ(ring.signing_key()->number, 7);
  EXPECT_EQ(ring.find(2)->secret, "two");
  EXPECT_EQ(ring.find(3), nullptr);
  EXPECT_FALSE(ring.add(2, "again"));
  EXPECT_FALSE(ring.add(10, "x"));
  EXPECT_FALSE(ring.add(-1, "x"));
  EXPECT_FALSE(ring.add(4, ""));
  EXPECT_EQ(ring.size(), 2u);
  EXPECT_FALSE(ring.set_signing(4));
  EXPECT_EQ(ring.signing_key()->number, 7);
  EXPECT_TRUE(ring.set_signing(2));
  EXPECT_EQ(ring.signing_key()->number, 2);
  EXPECT_TRUE(ring.add(9, "nine"));  // a pinned signing key stays pinned
  EXPECT_EQ(ring.signing_key()->number, 2);
}

TEST(KeyFile, ParsesKeysCommentsAndBlanks) {
  const auto r = parse_key_ring(
      "# BATV keys\r\n"
      "\n"
      "   # indented comment\n"
      "2 old secret\n"
      "\t0\tanother one with  spaces  \r\n"
      "3 new#secret\n"
      "   \n");
  ASSERT_TRUE(r.errors.empty()) << to_string(r.errors.front());
  ASSERT_TRUE(r.ring);
  const KeyRing& ring = *r.ring;
  ASSERT_EQ(ring.size(), 3u);
  EXPECT_EQ(ring.find(2)->secret, "old secret");
  EXPECT_EQ(ring.find(0)->secret, "another one with  spaces");
  EXPECT_EQ(ring.find(3)->secret, "new#secret");
  // The key on the last line signs, whatever its number.
  EXPECT_EQ(ring.signing_key()->number, 3);
  EXPECT_EQ(parse_key_ring("5 five\n1 one").ring->signing_key()->number, 1);
}

TEST(KeyFile, ReportsEveryBadLineWithItsNumber) {
  const auto r = parse_key_ring(
      "1 good\n"         // 1
      "12 two digits\n"  // 2
      "x letter\n"       // 3
      "4secret\n"        // 4
      "5\n"              // 5
      "6    \n"          // 6
      "1 again\n"        // 7
      "-1 negative\n");  // 8
  EXPECT_FALSE(r.ring);
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0], (KeyFileError{2, "key number must be a single digit 0-9"}));
  EXPECT_EQ(r.errors[1].line, 3);
  EXPECT_EQ(r.errors[1].message, "expected a key number 0-9, then blanks and the secret");
  EXPECT_EQ(r.errors[2].line, 4);
  EXPECT_EQ(r.errors[2].message, "the key number must be followed by blanks and the secret");
  EXPECT_EQ(r.errors[3], (KeyFileError{5, "key 5 has an empty secret"}));
  EXPECT_EQ(r.errors[4], (KeyFileError{6, "key 6 has an empty secret"}));
  EXPECT_EQ(r.errors[5], (KeyFileError{7, "key 1 is defined twice (first on line 1)"}));
  EXPECT_EQ(r.errors[6].line, 8);
  EXPECT_EQ(to_string(r.errors[5]), "line 7: key 1 is defined twice (first on line 1)");
}

TEST(KeyFile, ErrorsNeverQuoteTheSecret) {
  const auto r = parse_key_ring("hunter2 is my secret\n33hunter3\n7hunter4\n");
  ASSERT_EQ(r.errors.size(), 3u);
  for (const auto& e : r.errors) EXPECT_EQ(to_string(e).find("hunter"), std::string::npos);
}

TEST(KeyFile, NoKeysIsAnError) {
  for (const char* text : {"", "\n\n", "# only a comment\n"}) {
    const auto r = parse_key_ring(text);
    EXPECT_FALSE(r.ring);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].line, 0);
    EXPECT_EQ(to_string(r.errors[0]).rfind("no keys", 0), 0u);
  }
}

class KeyFileOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/backstop_keyring_XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void write(const std::string& text) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  std::string path_;
};

TEST_F(KeyFileOnDisk, LoadsAFile) {
  write("# keys\n3 secret\n");
  const auto r = load_key_ring(path_);
  ASSERT_TRUE(r.ring);
  EXPECT_EQ(r.ring->signing_key()->secret, "secret");
}

TEST_F(KeyFileOnDisk, ParseErrorsKeepTheirLineNumbers) {
  write("3 secret\n3 again\n");
  const auto r = load_key_ring(path_);
  EXPECT_FALSE(r.ring);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 2);
}

TEST_F(KeyFileOnDisk, MissingFileNamesThePath) {
  const auto r = load_key_ring(path_ + ".missing");
  EXPECT_FALSE(r.ring);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find(path_ + ".missing: "), std::string::npos);
  EXPECT_NE(r.errors[0].message.find("No such file"), std::string::npos);
}

TEST_F(KeyFileOnDisk, RefusesAHugeFile) {
  write("1 k\n" + std::string(kMaxKeyFileBytes, '#'));
  const auto r = load_key_ring(path_);
  EXPECT_FALSE(r.ring);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("not a key file"), std::string::npos);
}

TEST_F(KeyFileOnDisk, ADirectoryIsNotAKeyFile) {
  const auto r = load_key_ring("/tmp");
  EXPECT_FALSE(r.ring);
  EXPECT_EQ(r.errors.size(), 1u);
}

}  // namespace
}  // namespace backstop::batv
