// Original-message recovery; see original.h.
#include "message/original.h"

#include <algorithm>

#include "core/address.h"
#include "core/ip.h"
#include "core/text.h"
#include "message/received.h"

namespace backstop::message {
namespace {

bool identifies_message(const Headers& h) {
  return h.has("Message-ID") || h.has("Received") || (h.has("From") && h.has("Subject"));
}

void fill_from_headers(const Headers& h, Original& o) {
  o.message_id = extract_message_id(h.get_or_empty("Message-ID"));
  o.from = decode_words(h.get_or_empty("From"));
  o.to = decode_words(h.get_or_empty("To"));
  o.subject = decode_words(h.get_or_empty("Subject"));
  o.date = std::string(h.get_or_empty("Date"));
  o.return_path = std::string(h.get_or_empty("Return-Path"));
  for (auto value : h.all("Received")) {
    ReceivedHop r = parse_received(value);
    o.received.push_back({std::move(r.from_host), std::move(r.from_ip), std::move(r.by_host)});
  }
  o.origin_ip = origin_ip(o.received);
  if (o.origin_ip.empty()) {
    if (auto ip = core::find_ip(h.get_or_empty("X-Originating-IP")); ip && !core::is_special_purpose(*ip))
      o.origin_ip = ip->str();
  }
}

}  // namespace

std::string extract_message_id(std::string_view value) {
  value = core::trim(value);
  size_t lt = value.find('<');
  if (lt != std::string_view::npos) {
    size_t gt = value.find('>', lt);
    if (gt != std::string_view::npos) return std::string(core::trim(value.substr(lt + 1, gt - lt - 1)));
    return std::string(core::trim(value.substr(lt + 1)));
  }
  // Unbracketed ids are seen in the wild; take the first token.
  size_t end = value.find_first_of(" \t");
  return std::string(value.substr(0, end));
}

std::string origin_ip(const std::vector<Hop>& received) {
  for (auto it = received.rbegin(); it != received.rend(); ++it) {
    if (it->from_ip.empty()) continue;
    auto ip = core::parse_ip(it->from_ip);
    if (ip && !core::is_special_purpose(*ip)) return ip->str();
  }
  return {};
}

std::vector<std::string> find_url_hosts(std::string_view text, size_t max) {
  // One pass (the shield runs this on every bounce): a URL starts at "scheme://" for http,
  // https and ftp, found from its ':', or at "www." at the start of a word.
  std::vector<std::string> hosts;
  auto host_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_';
  };
  const size_t n = text.size();
  size_t i = 0;
  while (i < n && hosts.size() < max) {
    char c = text[i];
    size_t start = std::string_view::npos;
    if (c == ':' && i + 2 < n && text[i + 1] == '/' && text[i + 2] == '/') {
      std::string_view before = text.substr(0, i);
      for (std::string_view scheme : {"https", "http", "ftp"}) {
        if (core::iends_with(before, scheme) &&
            (before.size() == scheme.size() || !host_char(before[before.size() - scheme.size() - 1]))) {
          start = i + 3;
          break;
        }
      }
    } else if ((c == 'w' || c == 'W') && i + 4 <= n && (i == 0 || !host_char(text[i - 1])) &&
               core::istarts_with(text.substr(i, 4), "www.")) {
      start = i;
    }
    if (start == std::string_view::npos) {
      ++i;
      continue;
    }
    // Skip userinfo ("user@host").
    size_t end = start;
    while (end < n && (host_char(text[end]) || text[end] == '@')) ++end;
    std::string_view host = text.substr(start, end - start);
    if (auto at = host.rfind('@'); at != std::string_view::npos) host = host.substr(at + 1);
    while (!host.empty() && (host.back() == '.' || host.back() == '-')) host.remove_suffix(1);
    i = std::max(end, i + 1);
    if (!core::is_domain_name(host) && !core::parse_ip(host)) continue;
    std::string h = core::to_lower(host);
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(std::move(h));
  }
  return hosts;
}

Original recover_original(const ParsedMessage& msg, const Limits& limits) {
  Original o;
  // 1. An attached message (RFC 3464 3: the third part of a report), or its headers.
  const AttachedMessage* best = nullptr;
  for (const auto& a : msg.attached) {
    if (a.headers.empty() || !identifies_message(a.headers)) continue;
    if (!best || (best->headers_only && !a.headers_only && a.depth <= best->depth)) best = &a;
    if (best == &a && !a.headers_only) break;
  }
  if (best) {
    o.found = true;
    o.headers_only = best->headers_only;
    fill_from_headers(best->headers, o);
    o.urls = find_url_hosts(best->body_text);
    return o;
  }
  // 2. Headers quoted inline in the text of the notice itself (qmail, legacy NDRs).
  std::string text;
  for (const auto& p : msg.parts) {
    if (p.message_depth != 0 || !p.type.starts_with("text/")) continue;
    if (text.size() >= limits.max_part_text) break;
    text.append(p.text, 0, limits.max_part_text - text.size());
    text.push_back('\n');
  }
  auto block = find_header_block(text, static_cast<size_t>(limits.max_headers));
  if (!block || !identifies_message(block->headers)) return o;
  o.found = true;
  std::string_view body = std::string_view(text).substr(std::min(block->body_offset, text.size()));
  o.headers_only = !block->complete || core::trim(body).empty();
  fill_from_headers(block->headers, o);
  o.urls = find_url_hosts(body);
  return o;
}

}  // namespace backstop::message
