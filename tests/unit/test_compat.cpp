// Best-effort and hard compatibility: the downgrade table for every ABI, REFER on ABI 1, hard
// refusals, the report a user reads, and the restrict_self() flags.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "libpolicy/access.hpp"
#include "libpolicy/compat.hpp"

namespace llh {
namespace {

std::vector<std::string> whats(const CompatReport& report) {
    std::vector<std::string> out;
    for (const auto& item : report.dropped) out.push_back(item.what + "@" + std::to_string(item.needs_abi));
    return out;
}

// Everything ABI 9 has, written for ABI 9: every right explicit, one rule of each kind.
Policy everything(int abi = kMaxKnownAbi) {
    Policy p;
    p.abi = abi;
    p.handled_fs = fs_all(kMaxKnownAbi);
    p.handled_net = net_all(kMaxKnownAbi);
    p.scoped = scopes_all(kMaxKnownAbi);
    p.paths = {{"/usr", fs::read_file | fs::read_dir | fs::execute, "policy.json: /pathBeneath/0/parent/0"},
               {"/tmp", fs::write_file | fs::truncate, "policy.json: /pathBeneath/1/parent/0"},
               {"/dev/tty", fs::ioctl_dev, "policy.json: /pathBeneath/2/parent/0"},
               {"/run/app.sock", fs::resolve_unix, "policy.json: /pathBeneath/3/parent/0"}};
    p.ports = {{443, net::connect_tcp, "policy.json: /netPort/0/port/0"}};
    return p;
}

struct Row {
    int kernel_abi;
    Enforcement enforcement;
    std::vector<std::string> dropped;  // what@needs_abi, in report order
    FsAccess handled_fs;
    NetAccess handled_net;
    Scopes scoped;
    std::size_t paths;
    std::size_t ports;
    std::size_t notes;
};

// The sandboxer's switch (abi), one row per ABI: a kernel of ABI N lacks what came after N.
const std::vector<Row> kExplicitTable{
    {0,
     Enforcement::none,
     {"the file-system rules@1", "bind_tcp@4", "connect_tcp@4", "scope abstract_unix_socket@6", "scope signal@6"},
     0,
     0,
     0,
     0,
     0,
     0},
    {1,
     Enforcement::partial,
     {"truncate@3", "bind_tcp@4", "connect_tcp@4", "ioctl_dev@5", "scope abstract_unix_socket@6", "scope signal@6",
      "resolve_unix@9"},
     fs_all(1),
     0,
     0,
     2,
     0,
     2},
    {2,
     Enforcement::partial,
     {"truncate@3", "bind_tcp@4", "connect_tcp@4", "ioctl_dev@5", "scope abstract_unix_socket@6", "scope signal@6",
      "resolve_unix@9"},
     fs_all(2),
     0,
     0,
     2,
     0,
     1},
    {3,
     Enforcement::partial,
     {"bind_tcp@4", "connect_tcp@4", "ioctl_dev@5", "scope abstract_unix_socket@6", "scope signal@6", "resolve_unix@9"},
     fs_all(3),
     0,
     0,
     2,
     0,
     1},
    {4,
     Enforcement::partial,
     {"ioctl_dev@5", "scope abstract_unix_socket@6", "scope signal@6", "resolve_unix@9"},
     fs_all(4),
     net_all(4),
     0,
     2,
     1,
     1},
    {5,
     Enforcement::partial,
     {"scope abstract_unix_socket@6", "scope signal@6", "resolve_unix@9"},
     fs_all(5),
     net_all(5),
     0,
     3,
     1,
     1},
    {6, Enforcement::partial, {"resolve_unix@9"}, fs_all(6), net_all(6), scopes_all(6), 3, 1, 1},
    {7, Enforcement::partial, {"resolve_unix@9"}, fs_all(7), net_all(7), scopes_all(7), 3, 1, 0},
    {8, Enforcement::partial, {"resolve_unix@9"}, fs_all(8), net_all(8), scopes_all(8), 3, 1, 0},
    {9, Enforcement::full, {}, fs_all(9), net_all(9), scopes_all(9), 4, 1, 0},
};

TEST(CompatTable, ExplicitPolicyOnEveryAbi) {
    for (const Row& row : kExplicitTable) {
        SCOPED_TRACE("kernel ABI " + std::to_string(row.kernel_abi));
        auto result = apply_compat(everything(), row.kernel_abi);
        ASSERT_TRUE(result) << result.error().what();
        EXPECT_EQ(row.kernel_abi, result->report.kernel_abi);
        EXPECT_EQ(row.enforcement, result->report.enforcement);
        EXPECT_EQ(row.dropped, whats(result->report));
        EXPECT_EQ(row.handled_fs, result->policy.handled_fs);
        EXPECT_EQ(row.handled_net, result->policy.handled_net);
        EXPECT_EQ(row.scoped, result->policy.scoped);
        EXPECT_EQ(row.paths, result->policy.paths.size());
        EXPECT_EQ(row.ports, result->policy.ports.size());
        EXPECT_EQ(row.notes, result->report.notes.size());
        // Rules never hold a right the ruleset does not handle (landlock_add_rule() would say EINVAL).
        for (const auto& rule : result->policy.paths) {
            EXPECT_NE(0U, rule.allowed) << rule.path;
            EXPECT_EQ(0U, rule.allowed & ~result->policy.handled_fs) << rule.path;
        }
    }
}

TEST(CompatTable, RulesLoseOnlyTheRightsTheKernelLacks) {
    auto result = apply_compat(everything(), 2);
    ASSERT_TRUE(result);
    ASSERT_EQ(2U, result->policy.paths.size());
    EXPECT_EQ("/usr", result->policy.paths[0].path);
    EXPECT_EQ(fs::read_file | fs::read_dir | fs::execute, result->policy.paths[0].allowed);
    EXPECT_EQ("/tmp", result->policy.paths[1].path);
    EXPECT_EQ(fs::write_file, result->policy.paths[1].allowed);  // truncate gone with ABI 2
    EXPECT_EQ("policy.json: /pathBeneath/1/parent/0", result->policy.paths[1].origin);
}

TEST(CompatTable, NewerKernelsThanWeKnowChangeNothing) {
    auto result = apply_compat(everything(), 12);
    ASSERT_TRUE(result);
    EXPECT_EQ(Enforcement::full, result->report.enforcement);
    EXPECT_EQ(4U, result->policy.paths.size());
    EXPECT_EQ("fully enforced on Landlock ABI 12", result->report.summary());
}

// A rule string: abi 0, every file-system right of "the running kernel", net and scopes named.
Policy rule_string_policy() {
    Policy p;
    p.abi = 0;
    p.handled_fs = fs_all(kMaxKnownAbi);
    p.handled_net = net::connect_tcp;
    p.scoped = scope::signal;
    p.paths = {{"/usr", fs::read_file | fs::read_dir | fs::execute, "io.landlock.rules: item 1 \"rx:/usr\""},
               {"/tmp", fs_all(kMaxKnownAbi) & ~fs::execute, "io.landlock.rules: item 2 \"rw:/tmp\""}};
    p.ports = {{443, net::connect_tcp, "io.landlock.rules: item 3 \"connect:443\""}};
    p.handled_origins = {{"connect_tcp", "io.landlock.rules: item 3 \"connect:443\""},
                         {"signal", "io.landlock.rules: item 4 \"scope:signal\""}};
    return p;
}

TEST(CompatTable, RunningKernelsAbiDropsNoFileSystemRightAsADowngrade) {
    const std::vector<std::pair<int, std::vector<std::string>>> table{
        {0, {"the file-system rules@1", "connect_tcp@4", "scope signal@6"}},
        {1, {"connect_tcp@4", "scope signal@6"}},
        {2, {"connect_tcp@4", "scope signal@6"}},
        {3, {"connect_tcp@4", "scope signal@6"}},
        {4, {"scope signal@6"}},
        {5, {"scope signal@6"}},
        {6, {}},
        {7, {}},
        {8, {}},
        {9, {}},
    };
    for (const auto& [abi, dropped] : table) {
        SCOPED_TRACE("kernel ABI " + std::to_string(abi));
        auto result = apply_compat(rule_string_policy(), abi);
        ASSERT_TRUE(result);
        EXPECT_EQ(dropped, whats(result->report));
        EXPECT_EQ(abi == 0 ? 0 : fs_all(abi), result->policy.handled_fs);
        const Enforcement expected = abi == 0          ? Enforcement::none
                                     : dropped.empty() ? Enforcement::full
                                                       : Enforcement::partial;
        EXPECT_EQ(expected, result->report.enforcement);
        if (abi >= 1) {
            ASSERT_EQ(2U, result->policy.paths.size());
            EXPECT_EQ(fs_all(abi) & ~fs::execute, result->policy.paths[1].allowed);
        }
    }
}

TEST(CompatTable, NamedNetworkAndScopesKeepTheirOrigins) {
    auto result = apply_compat(rule_string_policy(), 3);
    ASSERT_TRUE(result);
    ASSERT_EQ(2U, result->report.dropped.size());
    EXPECT_EQ("io.landlock.rules: item 3 \"connect:443\"", result->report.dropped[0].origin);
    EXPECT_EQ("io.landlock.rules: item 4 \"scope:signal\"", result->report.dropped[1].origin);
    EXPECT_TRUE(result->policy.handled_origins.empty());
    EXPECT_EQ(
        "partially enforced on Landlock ABI 3: dropped connect_tcp (needs ABI 4, io.landlock.rules: item 3 "
        "\"connect:443\"), scope signal (needs ABI 6, io.landlock.rules: item 4 \"scope:signal\"); denials are "
        "not logged: audit logging needs Landlock ABI 7",
        result->report.summary());
}

TEST(CompatTable, NetworkOriginFallsBackToTheFirstRule) {
    Policy p = everything();
    auto result = apply_compat(p, 3);
    ASSERT_TRUE(result);
    EXPECT_EQ("", result->report.dropped[0].origin);  // bind_tcp: handled, no rule, not named
    EXPECT_EQ("policy.json: /netPort/0/port/0", result->report.dropped[1].origin);
}

TEST(CompatTable, RulesThatAllowNothingAreLeftOut) {
    // landlock_add_rule() refuses an empty allowed_access with ENOMSG.
    Policy p = rule_string_policy();
    p.paths.push_back({"/srv", 0, "policy.json: /pathBeneath/1/parent/0"});
    p.ports.push_back({80, 0, "policy.json: /netPort/1/port/0"});
    auto result = apply_compat(p, 9);
    ASSERT_TRUE(result);
    EXPECT_EQ(2U, result->policy.paths.size());
    EXPECT_EQ(1U, result->policy.ports.size());
    EXPECT_EQ(Enforcement::full, result->report.enforcement);
}

TEST(CompatRefer, AbiOneDropsTheWholeFileSystemPartWhenARuleAllowsRefer) {
    Policy p;
    p.abi = 2;
    p.handled_fs = fs_all(2);
    p.paths = {{"/usr", fs::read_file, "policy.json: /pathBeneath/0/parent/0"},
               {"/srv", fs::read_file | fs::refer | fs::make_reg, "policy.json: /pathBeneath/1/parent/0"}};
    auto result = apply_compat(p, 1);
    ASSERT_TRUE(result);
    EXPECT_EQ(Enforcement::none, result->report.enforcement);
    EXPECT_EQ(0U, result->policy.handled_fs);
    EXPECT_TRUE(result->policy.paths.empty());
    ASSERT_EQ(1U, result->report.dropped.size());
    EXPECT_EQ("the file-system rules (\"/srv\" allows refer, which Landlock ABI 1 cannot grant)",
              result->report.dropped[0].what);
    EXPECT_EQ(2, result->report.dropped[0].needs_abi);
    EXPECT_EQ("policy.json: /pathBeneath/1/parent/0", result->report.dropped[0].origin);
    EXPECT_EQ(
        "not enforced on Landlock ABI 1: dropped the file-system rules (\"/srv\" allows refer, which Landlock "
        "ABI 1 cannot grant) (needs ABI 2, policy.json: /pathBeneath/1/parent/0); denials are not logged: audit "
        "logging needs Landlock ABI 7",
        result->report.summary());
}

TEST(CompatRefer, AbiOneKeepsTheRestWhenReferIsOnlyHandled) {
    Policy p;
    p.abi = 2;
    p.handled_fs = fs_all(2);
    p.handled_net = 0;
    p.options.log = LogMode::off;
    p.paths = {{"/usr", fs::read_file | fs::read_dir, "policy.json: /pathBeneath/0/parent/0"}};
    auto result = apply_compat(p, 1);
    ASSERT_TRUE(result);
    EXPECT_EQ(Enforcement::full, result->report.enforcement);
    EXPECT_EQ(fs_all(1), result->policy.handled_fs);
    ASSERT_EQ(1U, result->policy.paths.size());
    EXPECT_TRUE(result->report.dropped.empty());
    EXPECT_EQ(std::vector<std::string>{"Landlock ABI 1 denies every rename and link across directories (refer)"},
              result->report.notes);
    EXPECT_EQ(
        "fully enforced on Landlock ABI 1; Landlock ABI 1 denies every rename and link across directories (refer)",
        result->report.summary());
}

TEST(CompatRefer, ReferAloneIsADowngradeOnAbiOne) {
    Policy p;
    p.abi = 2;
    p.handled_fs = fs::refer;
    p.handled_net = net::bind_tcp;
    auto result = apply_compat(p, 1);
    ASSERT_TRUE(result);
    EXPECT_EQ(Enforcement::none, result->report.enforcement);
    EXPECT_EQ((std::vector<std::string>{"refer@2", "bind_tcp@4"}), whats(result->report));
}

TEST(CompatRefer, RuleStringOnAbiOneKeepsTheFileSystem) {
    // abi 0 asked for the rights this kernel knows: ABI 1 has no refer, so rw: is rw: without it.
    auto result = apply_compat(rule_string_policy(), 1);
    ASSERT_TRUE(result);
    EXPECT_EQ(fs_all(1), result->policy.handled_fs);
    EXPECT_EQ(2U, result->policy.paths.size());
    EXPECT_EQ("Landlock ABI 1 denies every rename and link across directories (refer)", result->report.notes.at(0));
}

TEST(CompatHard, RefusesWithEveryDroppedItem) {
    Policy p = rule_string_policy();
    p.options.compat = Compat::hard;
    auto result = apply_compat(p, 3);
    ASSERT_FALSE(result);
    EXPECT_EQ(0, result.error().errno_value);
    EXPECT_EQ(
        "compat:hard: Landlock ABI 3 cannot enforce connect_tcp (needs ABI 4, io.landlock.rules: item 3 "
        "\"connect:443\"), scope signal (needs ABI 6, io.landlock.rules: item 4 \"scope:signal\")",
        result.error().message);
    EXPECT_EQ("needs Landlock ABI 6; this kernel has 3 — use compat:best-effort to run with what the kernel supports",
              result.error().hint);
}

TEST(CompatHard, ExplicitFileSystemRights) {
    Policy p = everything(5);
    p.handled_net = 0;
    p.scoped = 0;
    p.ports.clear();
    p.handled_fs = fs_all(5);
    p.paths.pop_back();
    p.options.compat = Compat::hard;
    auto result = apply_compat(p, 4);
    ASSERT_FALSE(result);
    EXPECT_EQ(
        "compat:hard: Landlock ABI 4 cannot enforce ioctl_dev (needs ABI 5) (hint: needs Landlock ABI 5; this "
        "kernel has 4 — use compat:best-effort to run with what the kernel supports)",
        result.error().what());
}

TEST(CompatHard, NoLandlockAtAll) {
    Policy p = rule_string_policy();
    p.options.compat = Compat::hard;
    auto result = apply_compat(p, 0);
    ASSERT_FALSE(result);
    EXPECT_EQ(
        "compat:hard: a kernel without Landlock cannot enforce the file-system rules (needs ABI 1), connect_tcp "
        "(needs ABI 4, io.landlock.rules: item 3 \"connect:443\"), scope signal (needs ABI 6, io.landlock.rules: "
        "item 4 \"scope:signal\") (hint: needs Landlock ABI 6; this kernel has no Landlock — use "
        "compat:best-effort to run with what the kernel supports)",
        result.error().what());
}

TEST(CompatHard, PassesWhenNothingIsDropped) {
    Policy p = rule_string_policy();
    p.options.compat = Compat::hard;
    // FS rights newer than the kernel are not a downgrade for abi 0; the log note is harmless.
    auto result = apply_compat(p, 6);
    ASSERT_TRUE(result) << result.error().what();
    EXPECT_EQ(Enforcement::full, result->report.enforcement);
    EXPECT_EQ(fs_all(6), result->policy.handled_fs);
    EXPECT_EQ(1U, result->report.notes.size());
}

TEST(CompatReport, Summaries) {
    Policy p;
    p.abi = 6;
    p.handled_fs = fs::read_file | fs::ioctl_dev;
    p.scoped = scope::signal;
    p.handled_origins = {{"signal", "io.landlock.rules: item 4 \"scope:signal\""}};
    p.options.log = LogMode::off;
    auto result = apply_compat(p, 3);
    ASSERT_TRUE(result);
    EXPECT_EQ(
        "partially enforced on Landlock ABI 3: dropped ioctl_dev (needs ABI 5), scope signal (needs ABI 6, "
        "io.landlock.rules: item 4 \"scope:signal\")",
        result->report.summary());
    auto full = apply_compat(p, 7);
    ASSERT_TRUE(full);
    EXPECT_EQ("fully enforced on Landlock ABI 7", full->report.summary());
    auto none = apply_compat(p, 0);
    ASSERT_TRUE(none);
    EXPECT_EQ(
        "not enforced on a kernel without Landlock: dropped the file-system rules (needs ABI 1), scope signal "
        "(needs ABI 6, io.landlock.rules: item 4 \"scope:signal\")",
        none->report.summary());
}

TEST(CompatReport, LogNoteOnlyWhenLoggingWasAsked) {
    Policy p = rule_string_policy();
    for (LogMode log : {LogMode::on, LogMode::children}) {
        p.options.log = log;
        auto result = apply_compat(p, 6);
        ASSERT_TRUE(result);
        EXPECT_EQ(std::vector<std::string>{"denials are not logged: audit logging needs Landlock ABI 7"},
                  result->report.notes);
    }
    p.options.log = LogMode::off;
    auto result = apply_compat(p, 6);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->report.notes.empty());
}

TEST(CompatReport, OptionsAndOriginsSurvive) {
    Policy p = rule_string_policy();
    p.options.mode = Mode::native;
    auto result = apply_compat(p, 9);
    ASSERT_TRUE(result);
    EXPECT_EQ(Mode::native, result->policy.options.mode);
    EXPECT_EQ(p.handled_origins, result->policy.handled_origins);
    EXPECT_EQ(0, result->policy.abi);
}

TEST(CompatFlags, RestrictFlagsPerAbi) {
    constexpr std::uint32_t same_off = restrict_flag::log_same_exec_off;
    constexpr std::uint32_t new_on = restrict_flag::log_new_exec_on;
    constexpr std::uint32_t sub_off = restrict_flag::log_subdomains_off;
    for (int abi = 0; abi <= 10; ++abi) {
        SCOPED_TRACE("ABI " + std::to_string(abi));
        Options options;
        options.log = LogMode::off;
        EXPECT_EQ(abi < 7 ? 0U : same_off | sub_off, restrict_flags(options, abi));
        options.log = LogMode::on;
        EXPECT_EQ(abi < 7 ? 0U : same_off | new_on | sub_off, restrict_flags(options, abi));
        options.log = LogMode::children;
        EXPECT_EQ(abi < 7 ? 0U : same_off | new_on, restrict_flags(options, abi));
    }
}

TEST(CompatFlags, ValuesAreTheKernels) {
    Options options;
    options.log = LogMode::on;
    EXPECT_EQ(0x7U, restrict_flags(options, 7));
    options.log = LogMode::off;
    EXPECT_EQ(0x5U, restrict_flags(options, 7));
    options.log = LogMode::children;
    EXPECT_EQ(0x3U, restrict_flags(options, 9));
}

}  // namespace
}  // namespace llh
