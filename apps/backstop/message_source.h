// Reads messages from the paths a user names: files, directories (recursively, so Maildirs
// too), mbox files, and "-" for standard input. File I/O lives here, in the front end.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace backstop::app {

// Calls visit(name, bytes) for every message; name is the path, or "path#N" for the N-th
// (1-based) message of an mbox. A file is read as an mbox if its name is "mbox" or ends in
// ".mbox" or ".mbx", or if mbox is true (then also standard input); otherwise it is one message. Returns false (after visiting the rest) if a path could not
// be read; errors are printed to stderr. Stops early when visit returns false.
bool for_each_message(const std::vector<std::string>& paths, bool mbox,
                      const std::function<bool(const std::string&, std::string_view)>& visit);

}  // namespace backstop::app
