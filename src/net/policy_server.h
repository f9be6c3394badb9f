// The Postfix policy delegation front end: a StreamServer on [policy] listen whose
// connections each run a PolicyFilter over the requests src/postfix_policy parses. See
// docs/postfix.md.
#pragma once

#include <memory>

#include "net/stream_listener.h"
#include "policy/engine.h"

namespace backstop::net {

std::unique_ptr<StreamServer> make_policy_server(asio::io_context& io, policy::Engine& engine);

}  // namespace backstop::net
