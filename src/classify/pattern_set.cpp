// vectorscan wrapper; see pattern_set.h.
#include "classify/pattern_set.h"

#include <hs/hs.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace backstop::classify {
namespace {

// One scratch per thread, grown to fit every database this thread scans with.
struct ThreadScratch {
  hs_scratch_t* scratch = nullptr;
  std::vector<uint64_t> fitted;  // serials of the databases it fits
  ~ThreadScratch() {
    if (scratch) hs_free_scratch(scratch);
  }
  hs_scratch_t* for_db(const hs_database_t* db, uint64_t serial) {
    if (std::find(fitted.begin(), fitted.end(), serial) == fitted.end()) {
      if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return nullptr;
      fitted.push_back(serial);
    }
    return scratch;
  }
};

thread_local ThreadScratch t_scratch;
std::atomic<uint64_t> g_next_serial{1};

int on_match(unsigned int id, unsigned long long, unsigned long long to, unsigned int,
             void* ctx) {
  auto& first_end = *static_cast<std::vector<size_t>*>(ctx);
  if (id < first_end.size() && first_end[id] == PatternSet::kNoMatch) first_end[id] = to;
  return 0;
}

}  // namespace

std::unique_ptr<PatternSet> PatternSet::compile(const std::vector<std::string>& expressions,
                                                std::string* error) {
  std::vector<const char*> exprs;
  std::vector<unsigned int> flags, ids;
  for (size_t i = 0; i < expressions.size(); ++i) {
    exprs.push_back(expressions[i].c_str());
    flags.push_back(HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH);
    ids.push_back(static_cast<unsigned int>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                       static_cast<unsigned int>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                       &err) != HS_SUCCESS) {
    if (error) {
      *error = err && err->message ? err->message : "unknown vectorscan error";
      if (err && err->expression >= 0 && size_t(err->expression) < expressions.size())
        *error += " in: " + expressions[err->expression];
    }
    hs_free_compile_error(err);
    return nullptr;
  }
  return std::unique_ptr<PatternSet>(new PatternSet(db, expressions.size(), g_next_serial++));
}

PatternSet::~PatternSet() { hs_free_database(db_); }

void PatternSet::scan(std::string_view text, std::vector<size_t>& first_end) const {
  first_end.assign(count_, kNoMatch);
  if (text.empty()) return;
  hs_scratch_t* scratch = t_scratch.for_db(db_, serial_);
  if (!scratch) return;
  hs_scan(db_, text.data(), static_cast<unsigned int>(std::min<size_t>(text.size(), 0xffffffffu)),
          0, scratch, on_match, &first_end);
}

}  // namespace backstop::classify
