// The milter front end: a StreamServer on [milter] listen whose connections each run a
// MilterFilter over the packets src/milter decodes. See milter_filter.h for what it decides,
// and docs/postfix.md and docs/sendmail.md for the MTA side.
#pragma once

#include <memory>

#include "net/stream_listener.h"
#include "policy/engine.h"

namespace backstop::net {

std::unique_ptr<StreamServer> make_milter_server(asio::io_context& io, policy::Engine& engine);

}  // namespace backstop::net
