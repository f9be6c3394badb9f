// ListsView over a real store (SQLite in a temporary file) and its Replica: what one process
// writes, a process started later loads whole, for every key prefix at once; expiry and
// deletion; the engine-facing and DNS-facing answers agree.
#include "reputation/lists_view.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "reputation/sent_index.h"
#include "store/open.h"

namespace backstop::reputation {
namespace {

class ListsViewTest : public ::testing::Test {
 protected:
  ListsViewTest() {
    char tmpl[] = "/tmp/backstop-lists-view-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~ListsViewTest() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<store::Replica> replica() {
    store::StoreOptions o;
    o.backend = "sqlite";
    o.path = dir_ + "/db";
    auto s = store::open_store(o);
    EXPECT_TRUE(s.is_ok()) << s.error();
    store::ReplicaOptions ro;
    ro.interval = std::chrono::milliseconds(50);
    return std::make_unique<store::Replica>(std::move(*s), clock_, ro);
  }
  lists::ListRecord record(const char* subject, const char* reason, int64_t expires) {
    lists::ListRecord r;
    if (auto c = lists::parse_cidr(subject)) r.subject = *c;
    else r.subject = *lists::parse_domain_pattern(subject);
    r.reason = reason;
    r.node = "test";
    r.added = clock_.now();
    r.expires = expires;
    return r;
  }
  std::string dir_;
  core::SystemClock clock_;
};

TEST_F(ListsViewTest, ARestartedNodeLoadsEveryList) {
  const int64_t now = clock_.now();
  {
    auto rep = replica();
    ListsView view(*rep, "a");
    StoreSentIndex sent(*rep);
    rep->start();
    ASSERT_TRUE(rep->wait_loaded(std::chrono::seconds(5)));
    view.put("block", record("198.51.100.7", "virus", now + 3600));
    view.put("block", record("2001:db8::/32", "spam", 0));
    view.put("allow", record("203.0.113.0/24", "manual", 0));
    view.put("allow", record(".partner.example", "manual", 0));
    view.set_grey("grey:192.0.2.0/24|a@b|c@d", {now - 10, true}, now + 3600);
    view.add_grey_pass("192.0.2.0/24", now + 3600);
    sent.add("m-1@example.org", now + 3600);
    ASSERT_TRUE(rep->flush(std::chrono::seconds(5)));
    rep->stop();
  }
  auto rep = replica();
  ListsView view(*rep, "b");
  StoreSentIndex sent(*rep);
  rep->start();
  ASSERT_TRUE(rep->wait_loaded(std::chrono::seconds(5)));
  auto b = view.blocked(*core::parse_ip("198.51.100.7"), now);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->reason, "virus");
  EXPECT_TRUE(view.blocked(*core::parse_ip("2001:db8::1"), now));
  EXPECT_FALSE(view.blocked(*core::parse_ip("198.51.100.8"), now));
  EXPECT_TRUE(view.allowed(*core::parse_ip("203.0.113.9"), now));
  EXPECT_TRUE(view.allowed_domain("mx.partner.example", now));
  EXPECT_TRUE(view.allowed_domain("partner.example", now));
  EXPECT_FALSE(view.allowed_domain("partner.example.net", now));
  auto g = view.grey("grey:192.0.2.0/24|a@b|c@d", now);
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->passed);
  EXPECT_EQ(view.grey_passes("192.0.2.0/24", now), 1);
  EXPECT_TRUE(sent.contains("m-1@example.org", now));
  // Expiry answers at once; deletion reaches the view.
  EXPECT_FALSE(view.blocked(*core::parse_ip("198.51.100.7"), now + 3601));
  view.erase("block", "198.51.100.7");
  EXPECT_FALSE(view.blocked(*core::parse_ip("198.51.100.7"), now));
  // The DNS view of a listing: the reason's code and a TXT naming it.
  auto cfg = std::make_shared<config::Config>();
  cfg->reasons = {{"spam", std::chrono::hours(24), false, "spam", 8}};
  view.set_config(cfg);
  char buf[256];
  auto d = view.blocked(*core::parse_ip("2001:db8::1"), now, std::span<char>(buf, sizeof buf));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->code, 8);
  EXPECT_EQ(d->text, "spam, expires never");
  rep->stop();
}

}  // namespace
}  // namespace backstop::reputation
