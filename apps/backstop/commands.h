// The subcommands of the backstop binary. Each registers its flags on the CLI11 app and sets
// the function that runs it; main() only dispatches.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace backstop::app {

// The function a subcommand runs after parsing; its return value is the exit status.
using Runner = std::function<int()>;

void register_classify(CLI::App& app, Runner& run);
void register_batv(CLI::App& app, Runner& run);
void register_serve(CLI::App& app, Runner& run);
void register_check_config(CLI::App& app, Runner& run);
void register_drill(CLI::App& app, Runner& run);
void register_lists(CLI::App& app, Runner& run);
void register_report(CLI::App& app, Runner& run);

}  // namespace backstop::app
