// RedisStore. Layout under the key prefix P (default "backstop:"):
//   P d:KEY   a hash {v: value, e: expires (Unix seconds, 0 = never)}, with EXPIREAT e
//   P feed    a stream of writes, ids "SEQ-0", fields g (generation), o (p|d), k, v, e;
//             trimmed with MAXLEN ~ feed_history
// Writes run as one Lua script (entry and stream change together, atomically), so concurrent
// daemons agree on the order of writes and an incr's feed entry carries the value it produced.
#include "store/redis_store.h"

#include <set>

namespace backstop::store {

namespace {

// KEYS[1] entry hash, KEYS[2] feed stream. ARGV: op, key, value, expires, now, by, maxlen, epoch.
// Checks come before changes: a script that fails midway would leave its changes behind.
constexpr std::string_view kWriteScript = R"lua(
local op, k, s = ARGV[1], KEYS[1], KEYS[2]
local v, e, now = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if op == 'p' then
  redis.call('DEL', k)
  redis.call('HSET', k, 'v', v, 'e', ARGV[4])
  if e ~= 0 then redis.call('EXPIREAT', k, e) end
elseif op == 'd' then
  if redis.call('DEL', k) == 0 then return '' end
  v, e = '', 0
elseif op == 'i' then
  local cur = redis.call('HMGET', k, 'v', 'e')
  local ce = tonumber(cur[2]) or 0
  if cur[1] and (ce == 0 or ce > now) then
    if #cur[1] > 20 or not string.match(cur[1], '^%-?%d+$') then
      return redis.error_reply('value is not an integer')
    end
  else
    redis.call('DEL', k)
    ce = 0
  end
  redis.call('HINCRBY', k, 'v', ARGV[6])
  if e ~= 0 then
    ce = e
    redis.call('EXPIREAT', k, e)
  end
  redis.call('HSET', k, 'e', string.format('%d', ce))
  v, e = redis.call('HGET', k, 'v'), ce
else
  return redis.error_reply('unknown operation')
end
local last = redis.call('XREVRANGE', s, '+', '-', 'COUNT', 1)
local seq, epoch = 1, ARGV[8]
if #last > 0 then
  seq = tonumber(string.match(last[1][1], '^(%d+)%-')) + 1
  local f = last[1][2]
  for i = 1, #f - 1, 2 do
    if f[i] == 'g' then epoch = f[i + 1] end
  end
elseif redis.call('EXISTS', s) == 1 then
  redis.call('DEL', s)
end
redis.call('XADD', s, 'MAXLEN', '~', ARGV[7], string.format('%d-0', seq), 'g', epoch,
           'o', (op == 'd') and 'd' or 'p', 'k', ARGV[2], 'v', v, 'e', string.format('%d', e))
return v
)lua";

constexpr int kScanCount = 1000;  // SCAN's COUNT hint
constexpr size_t kFetchBatch = 500;

std::string_view text(const redisReply* r) {
  if (r == nullptr || r->str == nullptr) return {};
  return std::string_view(r->str, r->len);
}

bool is_string(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) && r->str;
}

struct StreamEntry {
  int64_t seq = 0;
  std::string epoch;
  Entry entry;
};

// One XRANGE/XREVRANGE element: [id, [field, value, ...]]. nullopt if malformed.
std::optional<StreamEntry> parse_stream_entry(const redisReply* r) {
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return std::nullopt;
  const redisReply* id = r->element[0];
  const redisReply* fields = r->element[1];
  if (!is_string(id) || !fields || fields->type != REDIS_REPLY_ARRAY) return std::nullopt;
  auto seq = stream_seq(text(id));
  if (!seq) return std::nullopt;
  StreamEntry out;
  out.seq = *seq;
  std::string_view op;
  bool have_key = false;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    const redisReply* name = fields->element[i];
    const redisReply* value = fields->element[i + 1];
    if (!is_string(name) || !value || value->type != REDIS_REPLY_STRING) continue;
    std::string_view n = text(name);
    std::string_view v = value->str ? text(value) : std::string_view();
    if (n == "g") {
      out.epoch = std::string(v);
    } else if (n == "o") {
      op = v;
    } else if (n == "k") {
      out.entry.key = std::string(v);
      have_key = true;
    } else if (n == "v") {
      out.entry.value = std::string(v);
    } else if (n == "e") {
      auto e = parse_int64(v);
      if (!e || *e < 0) return std::nullopt;
      out.entry.expires = *e;
    }
  }
  if (!have_key || out.epoch.empty() || (op != "p" && op != "d")) return std::nullopt;
  out.entry.deleted = op == "d";
  if (out.entry.deleted) {
    out.entry.value.clear();
    out.entry.expires = 0;
  }
  return out;
}

// The feed position of a XREVRANGE ... COUNT 1 reply: the newest entry, or {"", 0} when the
// stream is empty or absent.
std::optional<FeedPos> parse_head(const redisReply* r) {
  if (!r || r->type != REDIS_REPLY_ARRAY) return std::nullopt;
  if (r->elements == 0) return FeedPos{};
  auto e = parse_stream_entry(r->element[0]);
  if (!e) return std::nullopt;
  return FeedPos{e->epoch, e->seq};
}

Status malformed(const RedisConnection& c, std::string_view what) {
  return Status::rejected("redis " + c.name() + ": unexpected reply to " + std::string(what));
}

}  // namespace

RedisStore::RedisStore(RedisOptions options)
    : options_(std::move(options)),
      ring_(options_.mode == "shard" ? options_.servers : std::vector<std::string>{},
            options_.vnodes) {}

RedisStore::~RedisStore() = default;

Result<std::unique_ptr<RedisStore>> RedisStore::open(const RedisOptions& options) {
  if (options.servers.empty()) return Status::rejected("redis: no servers");
  if (options.mode != "shard" && options.mode != "replicated") {
    return Status::rejected("redis: mode must be \"shard\" or \"replicated\", not \"" +
                            options.mode + "\"");
  }
  if (options.key_prefix.size() > 100) return Status::rejected("redis: key prefix too long");
  if (options.feed_history < 1) return Status::rejected("redis: feed_history must be >= 1");
  if (options.db < 0) return Status::rejected("redis: negative db");
  std::vector<HostPort> addresses;
  std::set<std::string> seen;
  for (const auto& s : options.servers) {
    auto hp = parse_host_port(s);
    if (!hp) return Status::rejected("redis: bad server address \"" + s + "\" (want host:port)");
    if (!seen.insert(s).second) return Status::rejected("redis: server " + s + " listed twice");
    addresses.push_back(*hp);
  }
  std::unique_ptr<RedisStore> store(new RedisStore(options));
  auto make = [&](const HostPort& hp) {
    RedisServerOptions so;
    so.address = hp;
    so.password = options.password;
    so.db = options.db;
    so.connect_timeout = options.connect_timeout;
    so.command_timeout = options.command_timeout;
    so.reconnect_min = options.reconnect_min;
    so.reconnect_max = options.reconnect_max;
    return std::make_unique<RedisConnection>(so);
  };
  if (options.mode == "shard") {
    for (const auto& hp : addresses) {
      Node n;
      n.servers.push_back(make(hp));
      store->nodes_.push_back(std::move(n));
    }
  } else {
    Node n;
    for (const auto& hp : addresses) n.servers.push_back(make(hp));
    store->nodes_.push_back(std::move(n));
  }
  return store;
}

std::string RedisStore::describe() const {
  std::string out = "redis " + options_.mode + " ";
  for (size_t i = 0; i < options_.servers.size(); ++i) {
    if (i) out += ',';
    out += options_.servers[i];
  }
  return out;
}

size_t RedisStore::server_for(std::string_view key) const {
  return nodes_.size() == 1 ? 0 : ring_.server_for(key);
}

std::string RedisStore::data_key(std::string_view key) const {
  std::string out = options_.key_prefix;
  out += "d:";
  out += key;
  return out;
}

std::string RedisStore::feed_key() const {
  return options_.key_prefix + "feed";
}

RedisStore::Node& RedisStore::node_for(std::string_view key) {
  return nodes_[server_for(key)];
}

template <class F>
auto RedisStore::read(Node& node, F&& f) -> decltype(f(*node.servers[0])) {
  auto result = f(*node.servers[0]);
  for (size_t i = 1; i < node.servers.size() && !result && result.status().unavailable(); ++i) {
    auto next = f(*node.servers[i]);
    if (next || !next.status().unavailable()) return next;
  }
  return result;
}

Result<ReplyPtr> RedisStore::write(char op, std::string_view key, std::string_view value,
                                   int64_t expires, int64_t by, int64_t now) {
  RedisConnection& c = *node_for(key).servers[0];
  std::string k = data_key(key);
  std::string s = feed_key();
  std::string op_s(1, op);
  std::string e = std::to_string(expires);
  std::string n = std::to_string(now);
  std::string b = std::to_string(by);
  std::string m = std::to_string(options_.feed_history);
  std::string epoch = new_epoch();
  auto run = [&](std::string_view verb, std::string_view script) {
    return c.command({verb, script, "2", k, s, op_s, key, value, e, n, b, m, epoch});
  };
  if (script_sha_.empty()) {
    auto loaded = c.command({"SCRIPT", "LOAD", kWriteScript});
    if (!loaded) return loaded.status();
    if (!is_string(loaded->get())) return malformed(c, "SCRIPT LOAD");
    script_sha_ = std::string(text(loaded->get()));
  }
  auto r = run("EVALSHA", script_sha_);
  if (!r && r.error().find("NOSCRIPT") != std::string::npos) {
    r = run("EVAL", kWriteScript);  // a server restarted or flushed its scripts; EVAL reloads
  }
  return r;
}

Status RedisStore::put(std::string_view key, std::string_view value, int64_t expires) {
  if (auto s = check_put(key, value, expires); !s) return s;
  auto r = write('p', key, value, expires, 0, 0);
  return r ? Status::ok() : r.status();
}

Status RedisStore::del(std::string_view key) {
  if (auto s = check_key(key); !s) return s;
  auto r = write('d', key, "", 0, 0, 0);
  return r ? Status::ok() : r.status();
}

Result<int64_t> RedisStore::incr(std::string_view key, int64_t by, int64_t expires, int64_t now) {
  if (auto s = check_put(key, "", expires); !s) return s;
  auto r = write('i', key, "", expires, by, now);
  if (!r) {
    // Say it the same way as the other backends do.
    if (r.error().find("overflow") != std::string::npos) {
      return Status::rejected("integer overflow");
    }
    return r.status();
  }
  auto v = is_string(r->get()) ? parse_int64(text(r->get())) : std::nullopt;
  if (!v) return Status::rejected("redis: incr answered a non-integer");
  return *v;
}

Result<std::optional<Entry>> RedisStore::get(std::string_view key, int64_t now) {
  if (auto s = check_key(key); !s) return s;
  std::string k = data_key(key);
  return read(node_for(key), [&](RedisConnection& c) -> Result<std::optional<Entry>> {
    auto r = c.command({"HMGET", k, "v", "e"});
    if (!r) return r.status();
    const redisReply* a = r->get();
    if (a->type != REDIS_REPLY_ARRAY || a->elements != 2) return malformed(c, "HMGET");
    if (a->element[0]->type != REDIS_REPLY_STRING) return std::optional<Entry>();
    Entry e{std::string(key), std::string(text(a->element[0])), 0};
    if (a->element[1]->type == REDIS_REPLY_STRING) {
      auto ex = parse_int64(text(a->element[1]));
      if (ex && *ex > 0) e.expires = *ex;
    }
    if (!is_live(e, now)) return std::optional<Entry>();
    return std::optional<Entry>(std::move(e));
  });
}

Result<std::vector<Entry>> RedisStore::scan_server(RedisConnection& c, std::string_view prefix,
                                                   int64_t now) {
  const std::string data_prefix = data_key("");
  const std::string pattern = glob_escape(data_key(prefix)) + "*";
  const std::string count = std::to_string(kScanCount);
  std::set<std::string> keys;  // SCAN may return a key more than once
  std::string cursor = "0";
  do {
    auto r = c.command({"SCAN", cursor, "MATCH", pattern, "COUNT", count});
    if (!r) return r.status();
    const redisReply* a = r->get();
    if (a->type != REDIS_REPLY_ARRAY || a->elements != 2 || !is_string(a->element[0]) ||
        a->element[1]->type != REDIS_REPLY_ARRAY) {
      return malformed(c, "SCAN");
    }
    cursor = std::string(text(a->element[0]));
    const redisReply* found = a->element[1];
    for (size_t i = 0; i < found->elements; ++i) {
      if (is_string(found->element[i])) keys.emplace(text(found->element[i]));
    }
  } while (cursor != "0");

  std::vector<Entry> out;
  std::vector<std::string> batch;
  auto fetch = [&]() -> Status {
    std::vector<Command> cmds;
    for (const auto& k : batch) cmds.push_back({"HMGET", k, "v", "e"});
    auto replies = c.pipeline(cmds);
    if (!replies) return replies.status();
    for (size_t i = 0; i < batch.size(); ++i) {
      const redisReply* a = (*replies)[i].get();
      // Not a hash (someone else's key under our prefix) or gone since SCAN: skip it.
      if (a->type != REDIS_REPLY_ARRAY || a->elements != 2) continue;
      if (a->element[0]->type != REDIS_REPLY_STRING) continue;
      Entry e{batch[i].substr(data_prefix.size()), std::string(text(a->element[0])), 0};
      if (a->element[1]->type == REDIS_REPLY_STRING) {
        auto ex = parse_int64(text(a->element[1]));
        if (ex && *ex > 0) e.expires = *ex;
      }
      if (is_live(e, now) && e.key.size() <= kMaxKeyBytes && !e.key.empty()) {
        out.push_back(std::move(e));
      }
    }
    batch.clear();
    return Status::ok();
  };
  for (const auto& k : keys) {
    if (!k.starts_with(data_prefix)) continue;
    batch.push_back(k);
    if (batch.size() == kFetchBatch) {
      if (auto s = fetch(); !s) return s;
    }
  }
  if (!batch.empty()) {
    if (auto s = fetch(); !s) return s;
  }
  return out;
}

Result<std::vector<Entry>> RedisStore::scan(std::string_view prefix, int64_t now) {
  if (prefix.size() > kMaxKeyBytes) return Status::rejected("prefix too long");
  std::vector<Entry> out;
  // All or nothing: a scan missing one shard would make a reader forget that shard's entries.
  for (Node& node : nodes_) {
    auto part = read(node, [&](RedisConnection& c) { return scan_server(c, prefix, now); });
    if (!part) return part.status();
    for (auto& e : *part) out.push_back(std::move(e));
  }
  return out;
}

Status RedisStore::expire(int64_t) {
  return Status::ok();
}

Result<std::string> RedisStore::head() {
  std::vector<FeedPos> positions;
  std::string s = feed_key();
  for (Node& node : nodes_) {
    auto pos = read(node, [&](RedisConnection& c) -> Result<FeedPos> {
      auto r = c.command({"XREVRANGE", s, "+", "-", "COUNT", "1"});
      if (!r) return r.status();
      auto p = parse_head(r->get());
      if (!p) return malformed(c, "XREVRANGE");
      return *p;
    });
    if (!pos) return pos.status();
    positions.push_back(*pos);
  }
  return encode_cursor(positions);
}

// What one server's feed said: its entries after the cursor, its head, and whether history
// between the cursor and the entries is missing.
struct RedisStore::NodeHead {
  std::vector<Entry> entries;
  FeedPos next;
  bool reset = false;
  bool more = false;
};

Result<Changes> RedisStore::changes_since(std::string_view cursor, size_t max) {
  if (max == 0 || max > kMaxFeedBatch) return Status::rejected("feed batch size out of range");
  auto decoded = decode_cursor(cursor, nodes_.size());
  std::vector<FeedPos> positions = decoded ? *decoded : std::vector<FeedPos>(nodes_.size());
  const size_t quota = std::max<size_t>(1, max / nodes_.size());
  const std::string quota_s = std::to_string(quota);
  const std::string s = feed_key();

  std::vector<Result<NodeHead>> results;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const FeedPos& pos = positions[i];
    const std::string from = std::to_string(pos.seq + 1) + "-0";
    results.push_back(read(nodes_[i], [&](RedisConnection& c) -> Result<NodeHead> {
      auto replies = c.pipeline(
          {{"XRANGE", s, from, "+", "COUNT", quota_s}, {"XREVRANGE", s, "+", "-", "COUNT", "1"}});
      if (!replies) return replies.status();
      for (const auto& r : *replies) {
        if (r->type == REDIS_REPLY_ERROR) {
          return RedisConnection::error_status(c.name(), text(r.get()));
        }
      }
      auto head = parse_head((*replies)[1].get());
      const redisReply* range = (*replies)[0].get();
      if (!head || range->type != REDIS_REPLY_ARRAY) return malformed(c, "XRANGE");
      NodeHead out;
      out.next = *head;
      if (!decoded) {
        out.reset = true;  // not a cursor of this configuration
        return out;
      }
      if (head->epoch.empty()) {
        // No stream: nothing new if the cursor knew none either, else it was wiped.
        out.reset = !pos.epoch.empty();
        return out;
      }
      int64_t expect = pos.seq + 1;
      if (head->epoch != pos.epoch) {
        // The stream was created after the cursor (fine if we read it from its first entry)
        // or recreated (history lost).
        if (!pos.epoch.empty() || pos.seq != 0) {
          out.reset = true;
          return out;
        }
        expect = 1;
      }
      FeedPos last = pos;
      for (size_t j = 0; j < range->elements; ++j) {
        auto e = parse_stream_entry(range->element[j]);
        if (!e) return malformed(c, "XRANGE");
        if (e->epoch != head->epoch || e->seq != expect) {
          out.reset = true;  // trimmed past the cursor, or recreated meanwhile
          return out;
        }
        ++expect;
        last = FeedPos{e->epoch, e->seq};
        out.entries.push_back(std::move(e->entry));
      }
      if (range->elements == 0 && head->seq != pos.seq) {
        out.reset = true;  // the head is not where the cursor is, yet nothing follows it
        return out;
      }
      out.more = range->elements == quota && last.seq < head->seq;
      out.next = last;
      return out;
    }));
  }

  Changes out;
  std::vector<FeedPos> next = positions;
  size_t failed = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      ++failed;
      if (!out.partial_error.empty()) out.partial_error += "; ";
      out.partial_error += results[i].error();
      continue;
    }
    if (results[i]->reset) out.reset = true;
  }
  if (failed == results.size()) return results[0].status();
  if (out.reset) {
    // Start over: a reset server from its head, the others from what they read (at or before
    // their head, so the full scan that follows covers the rest), a failed one where it was.
    for (size_t i = 0; i < results.size(); ++i) {
      if (results[i]) next[i] = results[i]->next;
    }
    out.cursor = encode_cursor(next);
    return out;
  }
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) continue;
    for (auto& e : results[i]->entries) out.entries.push_back(std::move(e));
    next[i] = results[i]->next;
    out.more = out.more || results[i]->more;
  }
  out.cursor = encode_cursor(next);
  return out;
}

}  // namespace backstop::store
