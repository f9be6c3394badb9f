// Opens the configured reputation store ([store] backend, path, redis...) and the Replica that
// keeps this process's caches fresh from it. Everything store-backed (sent index, lists,
// greylisting) subscribes to the Replica before it starts.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "core/clock.h"
#include "store/open.h"
#include "store/replica.h"

namespace backstop::reputation {

// The store options the configuration names ([store] backend, path, redis...).
store::StoreOptions store_options(const config::StoreConfig& cfg);

// The Replica over the configured store, not started; nullptr and *error when the store cannot
// be opened (an unopenable SQLite file; Redis servers that are down are not an error: the
// Replica reports them and keeps retrying).
std::unique_ptr<store::Replica> open_replica(const config::StoreConfig& cfg,
                                             const core::Clock& clock, std::string* error);

}  // namespace backstop::reputation
