// See store_open.h.
#include "reputation/store_open.h"

#include <filesystem>

#include "store/open.h"

namespace backstop::reputation {

store::StoreOptions store_options(const config::StoreConfig& cfg) {
  store::StoreOptions o;
  o.backend = cfg.backend;
  o.path = cfg.path;
  o.redis_servers = cfg.redis;
  o.redis_mode = cfg.redis_mode;
  o.redis_prefix = cfg.redis_prefix;
  return o;
}

std::unique_ptr<store::Replica> open_replica(const config::StoreConfig& cfg,
                                             const core::Clock& clock, std::string* error) {
  store::StoreOptions o = store_options(cfg);
  if (o.backend == "sqlite") {
    std::error_code ec;
    auto dir = std::filesystem::path(o.path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  }
  auto opened = store::open_store(o);
  if (!opened.is_ok()) {
    if (error) *error = "cannot open the store (" + cfg.backend + "): " + opened.error();
    return nullptr;
  }
  store::ReplicaOptions ro;
  ro.interval = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.refresh);
  return std::make_unique<store::Replica>(std::move(*opened), clock, ro);
}

}  // namespace backstop::reputation
