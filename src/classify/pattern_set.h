// A set of regular expressions compiled once into one vectorscan (Hyperscan API) database and
// matched in a single pass over the text. All patterns are case-insensitive; "." does not match
// newlines unless the pattern says (?s).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct hs_database;

namespace backstop::classify {

class PatternSet {
 public:
  static constexpr size_t kNoMatch = static_cast<size_t>(-1);

  // Compiles the expressions; on failure returns nullptr and sets error to the offending
  // expression and vectorscan's message.
  static std::unique_ptr<PatternSet> compile(const std::vector<std::string>& expressions,
                                             std::string* error);
  ~PatternSet();
  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

  size_t size() const { return count_; }
  // first_end[i] receives the end offset of the first match of expression i, or kNoMatch.
  // Thread-safe; uses per-thread scratch space.
  void scan(std::string_view text, std::vector<size_t>& first_end) const;

 private:
  PatternSet(hs_database* db, size_t count, uint64_t serial)
      : db_(db), count_(count), serial_(serial) {}
  hs_database* db_;
  size_t count_;
  uint64_t serial_;  // identifies the database to the per-thread scratch cache
};

}  // namespace backstop::classify
