// Replica: the in-process side of the store. A background thread owns the Store: it loads each
// subscriber's key prefix at start, applies the change feed every `interval`, runs expire(),
// and drains a bounded write-behind queue. Nothing that calls it waits on the store: reads are
// the subscribers' own data structures, writes are queued. A store that is down is reported
// through on_state() (on each transition, and at most once per down_report_every while down);
// the daemon keeps running on what it has.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "store/store.h"

namespace backstop::store {

// One consumer of a key prefix (a list, the greylist, storm state, the sent index). It keeps
// its own data structure and its own lock; callbacks come from the Replica's thread and, for
// local put()/del(), from the thread that wrote.
//
// A full reload (at start, and whenever the feed lost history) is on_reload_begin(), one
// on_entry() per live entry, on_reload_end(); entries it did not repeat are gone. Local writes
// may interleave with a reload, so a subscriber should not build a separate copy and swap it
// in; instead mark entries seen since on_reload_begin() and drop the unmarked at the end.
struct Subscriber {
  std::string prefix;                          // "" = every key
  std::function<void(const Entry&)> on_entry;  // a live entry, or entry.deleted (required)
  std::function<void()> on_reload_begin;       // optional
  std::function<void()> on_reload_end;         // optional
};

struct ReplicaOptions {
  std::chrono::milliseconds interval{1000};  // how often the feed is polled
  std::chrono::seconds expire_every{60};     // how often Store::expire() runs
  size_t queue_limit = 100000;               // pending writes; beyond it the oldest are dropped
  size_t feed_batch = 1000;                  // entries per changes_since() call
  std::chrono::seconds down_report_every{60};
  std::chrono::milliseconds stop_deadline{2000};  // how long stop() keeps flushing writes
};

struct ReplicaStats {
  bool up = false;              // the last store call succeeded
  bool loaded = false;          // every subscriber has had its first full load
  uint64_t queued = 0;          // writes accepted into the queue
  uint64_t written = 0;         // writes the store performed
  uint64_t write_rejected = 0;  // writes the store refused for good (bad data): dropped
  uint64_t write_retries = 0;   // writes put back because the store was unavailable
  uint64_t dropped = 0;         // writes lost: queue full (oldest first) or left at stop()
  size_t queue_depth = 0;
  uint64_t polls = 0;         // changes_since() calls that succeeded
  uint64_t feed_entries = 0;  // entries they delivered
  uint64_t reloads = 0;       // full loads of one subscriber
  uint64_t failures = 0;      // store calls that failed (each one)
  std::string last_error;
};

class Replica {
 public:
  // up: the store answers; error: why not (empty when up). Called from the Replica's thread.
  using StateFn = std::function<void(bool up, const std::string& error)>;

  Replica(std::unique_ptr<Store> store, const core::Clock& clock, ReplicaOptions options = {});
  ~Replica();  // stop()
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Before start() only (false afterwards, and nothing registered).
  bool subscribe(Subscriber subscriber);
  bool on_state(StateFn fn);

  void start();
  // Stops the thread after flushing pending writes for at most stop_deadline; what is left is
  // counted as dropped. Idempotent.
  void stop();

  // Write-behind from any thread; never blocks on the store. put() and del() reach matching
  // subscribers at once (on this thread), then the store. incr() reaches them once the store
  // has answered with the new value. False (nothing done) for a bad key or value.
  bool put(std::string key, std::string value, int64_t expires);
  bool del(std::string key);
  bool incr(std::string key, int64_t by, int64_t expires);

  // Waits until the write queue is empty and nothing is in flight; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  // Waits until every subscriber has had its first full load; false on timeout.
  bool wait_loaded(std::chrono::milliseconds timeout);

  ReplicaStats stats() const;
  std::string describe() const { return store_->describe(); }

 private:
  struct Op {
    enum class Kind { kPut, kDel, kIncr } kind;
    std::string key;
    std::string value;
    int64_t expires = 0;
    int64_t by = 0;
  };

  void run();
  void enqueue(Op op);
  void deliver(const Entry& e, int64_t now);  // to every subscriber whose prefix matches
  // Full loads of the subscribers that need one, then the feed. False if the store failed.
  bool sync();
  bool reload_pending();
  // Writes queued ops until the queue is empty or the store fails. False if it failed.
  bool drain();
  Status perform(const Op& op, int64_t now);
  void failed(const Status& s);
  void succeeded();
  void report(bool up, const std::string& error);

  std::unique_ptr<Store> store_;
  const core::Clock& clock_;
  const ReplicaOptions options_;
  std::vector<Subscriber> subscribers_;  // fixed once started
  StateFn on_state_;

  // Owned by the thread.
  std::optional<std::string> cursor_;
  std::vector<bool> needs_reload_;
  std::optional<bool> reported_up_;
  std::chrono::steady_clock::time_point last_down_report_{};
  bool tick_failed_ = false;

  mutable std::mutex mu_;
  std::condition_variable wake_;     // the thread: writes queued, or stop
  std::condition_variable settled_;  // flush() and wait_loaded() waiters
  std::deque<Op> queue_;
  bool in_flight_ = false;
  bool writes_blocked_ = false;  // the store failed a write: wait for the next tick
  bool stopping_ = false;
  bool started_ = false;
  ReplicaStats stats_;
  std::thread thread_;
};

}  // namespace backstop::store
