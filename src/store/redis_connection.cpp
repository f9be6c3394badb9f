// RedisConnection: hiredis's blocking API with socket timeouts. Every failure of the connection
// frees the context (a late reply must never be read as the answer to the next command) and
// starts the backoff.
#include "store/redis_connection.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace backstop::store {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

// hiredis writes with write(2): a server that closed the connection raises SIGPIPE, whose
// default action ends the process. Block it on this thread for the duration of a call and
// swallow one raised meanwhile, without touching the process's signal dispositions.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

std::string reply_text(const redisReply* r) {
  if (r == nullptr || r->str == nullptr) return {};
  return std::string(r->str, r->len);
}

}  // namespace

RedisConnection::RedisConnection(RedisServerOptions options)
    : options_(std::move(options)),
      name_(options_.address.host.find(':') != std::string::npos
                ? "[" + options_.address.host + "]:" + std::to_string(options_.address.port)
                : options_.address.host + ":" + std::to_string(options_.address.port)) {}

RedisConnection::~RedisConnection() {
  if (ctx_) redisFree(ctx_);
}

Status RedisConnection::error_status(std::string_view server, std::string_view text) {
  std::string msg = "redis " + std::string(server) + ": " + std::string(text);
  static constexpr std::string_view kServerState[] = {
      "LOADING",     "BUSY",       "READONLY", "MASTERDOWN", "OOM",       "TRYAGAIN",
      "CLUSTERDOWN", "NOREPLICAS", "MISCONF",  "NOAUTH",     "WRONGPASS", "NOPERM"};
  for (std::string_view p : kServerState) {
    if (text.starts_with(p) && (text.size() == p.size() || text[p.size()] == ' ')) {
      return Status::unavailable(std::move(msg));
    }
  }
  return Status::rejected(std::move(msg));
}

Status RedisConnection::fail(std::string error) {
  if (ctx_) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  backoff_ = backoff_.count() == 0 ? options_.reconnect_min
                                   : std::min(backoff_ * 2, options_.reconnect_max);
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  last_error_ = "redis " + name_ + ": " + error;
  return Status::unavailable(last_error_);
}

Status RedisConnection::connect() {
  if (ctx_) return Status::ok();
  auto now = std::chrono::steady_clock::now();
  if (now < retry_at_) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
    return Status::unavailable(last_error_ + " (next attempt in " + std::to_string(wait.count()) +
                               " ms)");
  }
  ctx_ = redisConnectWithTimeout(options_.address.host.c_str(), options_.address.port,
                                 to_timeval(options_.connect_timeout));
  if (ctx_ == nullptr) return fail("cannot allocate a connection");
  if (ctx_->err) return fail(ctx_->errstr);
  if (redisSetTimeout(ctx_, to_timeval(options_.command_timeout)) != REDIS_OK) {
    return fail("cannot set the timeout");
  }
  auto setup = [&](const Command& args) -> Status {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    ReplyPtr r(static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (!r) return fail(ctx_->errstr);
    if (r->type == REDIS_REPLY_ERROR) {
      Status s = error_status(name_, reply_text(r.get()));
      fail(s.error());
      return Status::unavailable(s.error());  // a setup failure is the server's, not the call's
    }
    return Status::ok();
  };
  if (!options_.password.empty()) {
    if (auto s = setup({"AUTH", options_.password}); !s) return s;
  }
  if (options_.db != 0) {
    std::string db = std::to_string(options_.db);
    if (auto s = setup({"SELECT", db}); !s) return s;
  }
  backoff_ = std::chrono::milliseconds(0);
  return Status::ok();
}

Result<ReplyPtr> RedisConnection::command(const Command& args) {
  auto replies = pipeline({args});
  if (!replies) return replies.status();
  ReplyPtr r = std::move(replies->front());
  if (r->type == REDIS_REPLY_ERROR) return error_status(name_, reply_text(r.get()));
  return r;
}

Result<std::vector<ReplyPtr>> RedisConnection::pipeline(const std::vector<Command>& commands) {
  SigpipeGuard guard;
  bool reused = ctx_ != nullptr;
  auto r = attempt(commands);
  if (!r && reused && stale_) {
    // The connection had died while idle (the server restarted, or closed it for idling):
    // the command never reached a live server, so one more try on a fresh connection is safe.
    retry_at_ = {};
    backoff_ = std::chrono::milliseconds(0);
    r = attempt(commands);
  }
  return r;
}

bool RedisConnection::dead_socket() const {
  int e = errno;
  return ctx_ && (ctx_->err == REDIS_ERR_EOF ||
                  (ctx_->err == REDIS_ERR_IO && (e == ECONNRESET || e == EPIPE)));
}

Result<std::vector<ReplyPtr>> RedisConnection::attempt(const std::vector<Command>& commands) {
  stale_ = false;
  if (auto s = connect(); !s) return s;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const Command& args : commands) {
    argv.clear();
    lens.clear();
    for (auto a : args) {
      argv.push_back(a.data() ? a.data() : "");
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      stale_ = dead_socket();
      return fail(ctx_->errstr);
    }
  }
  std::vector<ReplyPtr> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      // Only the first reply: once one came back the server was alive and may have run more.
      stale_ = i == 0 && dead_socket();
      if (raw) freeReplyObject(raw);
      return fail(ctx_->err ? ctx_->errstr : "no reply");
    }
    out.emplace_back(static_cast<redisReply*>(raw));
  }
  return out;
}

}  // namespace backstop::store
