// `backstop classify`: classifies messages (bounce, auto-reply, challenge-response, virus
// notice, feedback report, none) and prints one line or one JSON object per message.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <map>

#include "classify/classifier.h"
#include "classify/json.h"
#include "commands.h"
#include "message_source.h"

namespace backstop::app {
namespace {

struct ClassifyOptions {
  std::vector<std::string> paths;
  bool json = false;
  bool summary = false;
  bool mbox = false;
  size_t limit = 0;
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

int run_classify(const ClassifyOptions& opt) {
  auto classifier = classify::Classifier::create();
  if (!classifier) {
    std::fprintf(stderr, "backstop: the built-in pattern tables failed to compile\n");
    return 2;
  }
  std::map<std::string, size_t> counts;
  std::map<std::string, size_t> reasons;
  size_t n = 0;
  bool ok = for_each_message(opt.paths, opt.mbox, [&](const std::string& name, std::string_view bytes) {
    classify::Classification c = classifier->classify(bytes);
    std::string cls(classify::to_string(c.cls));
    ++counts[cls];
    if (c.cls == classify::Class::kBounce) ++reasons[c.reason];
    if (opt.json) {
      std::puts(classify::to_json(c, name).dump(-1, ' ', false,
                                                nlohmann::json::error_handler_t::replace)
                    .c_str());
    } else if (!opt.summary) {
      std::string detail;
      if (c.cls == classify::Class::kBounce)
        detail = fmt::format("{} {} {} {}", c.kind, c.status.empty() ? "-" : c.status, c.reason,
                             c.recipients.empty() ? "-" : join(c.recipients));
      std::printf("%s\t%s\t%s\n", name.c_str(), cls.c_str(), detail.c_str());
    }
    ++n;
    return opt.limit == 0 || n < opt.limit;
  });
  if (opt.summary) {
    std::printf("%-20s %8s %7s\n", "class", "messages", "share");
    for (const auto& [cls, count] : counts)
      std::printf("%-20s %8zu %6.1f%%\n", cls.c_str(), count, n ? 100.0 * count / n : 0.0);
    std::printf("%-20s %8zu\n", "total", n);
    if (!reasons.empty()) {
      std::printf("\n%-20s %8s\n", "bounce reason", "messages");
      for (const auto& [reason, count] : reasons) std::printf("%-20s %8zu\n", reason.c_str(), count);
    }
  }
  std::fflush(stdout);
  return ok ? 0 : 1;
}

}  // namespace

void register_classify(CLI::App& app, Runner& run) {
  auto opt = std::make_shared<ClassifyOptions>();
  auto* cmd = app.add_subcommand("classify", "Classify messages as bounces, auto-replies, ...");
  cmd->description(
      "Reads messages and says what each one is: bounce (an RFC 3464 DSN or a legacy\n"
      "non-delivery report), autoreply (RFC 3834, out-of-office), challenge-response,\n"
      "virus-notice, feedback-report (RFC 5965 ARF), or none. For bounces it reports the\n"
      "failed recipients, status, diagnostic, reporting MTA and a reason category; for every\n"
      "class except none, what could be recovered of the original message (Message-ID,\n"
      "From, To, Subject, Received chain, origin IP, advertised URL hosts), and the rules\n"
      "that fired as evidence.\n\n"
      "PATH may be a file holding one message, an mbox file (named 'mbox' or '*.mbox' or\n"
      "'*.mbx', or any file with --mbox; each message is reported as PATH#N), a directory\n"
      "(read recursively; Maildirs work, their tmp/ is skipped), or '-' for standard input.\n\n"
      "Output: one tab-separated line per message (path, class, and for bounces kind,\n"
      "status, reason, recipients); with --json one JSON object per line (keys in\n"
      "docs/classify.md); with --summary only a count per class and per bounce reason.\n\n"
      "Exit status: 0 if every path was read, 1 if some could not be, 2 on usage errors.");
  cmd->add_option("PATH", opt->paths, "Files, mbox files, directories or '-'")->required();
  cmd->add_flag("--json", opt->json, "Print one JSON object per message, one per line");
  cmd->add_flag("--mbox", opt->mbox, "Read every file (and standard input) as an mbox");
  cmd->add_flag("--summary", opt->summary, "Print only counts per class and bounce reason");
  cmd->add_option("--limit", opt->limit, "Stop after N messages (0: no limit)");
  cmd->callback([opt, &run] { run = [opt] { return run_classify(*opt); }; });
}

}  // namespace backstop::app
