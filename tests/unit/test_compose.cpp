// Composition of several landlockconfig policies (intersection) and merging (union).
#include <gtest/gtest.h>

#include "libpolicy/compose.hpp"
#include "libpolicy/landlockconfig.hpp"
#include "libpolicy/variables.hpp"

namespace llh {
namespace {

// Upstream's tests/composition: s1 (ABI 5, derived handled set) + s2 (ABI 4, abi.all) = s.
constexpr std::string_view kS1 = R"({
  "abi": 5,
  "variable": [{"name": "rw", "literal": ["/tmp", "/var/tmp"]}],
  "pathBeneath": [
    {"allowedAccess": ["abi.read_execute"], "parent": ["/bin", "/lib", "/usr", "/dev", "/proc", "/etc"]},
    {"allowedAccess": ["abi.read_write"], "parent": ["${rw}"]}
  ]
})";
constexpr std::string_view kS2 = R"(abi = 4

[[variable]]
name = "rw"
literal = ["/home/user/tmp"]

[[ruleset]]
handled_access_fs = ["abi.all"]

# Custom apps.
[[path_beneath]]
allowed_access = ["abi.read_execute"]
parent = ["/home/user/bin"]
)";
constexpr std::string_view kS = R"(abi = 4

[[variable]]
name = "rw"
literal = ["/tmp", "/var/tmp", "/home/user/tmp"]

[[path_beneath]]
allowed_access = ["abi.read_execute"]
parent = ["/bin", "/lib", "/usr", "/dev", "/proc", "/etc", "/home/user/bin"]

[[path_beneath]]
allowed_access = ["abi.read_write"]
parent = ["${rw}"]
)";

Policy parse_ok(std::string_view text, ConfigSyntax syntax, std::string_view source) {
    Diagnostics diagnostics;
    auto policy = parse_landlockconfig(text, syntax, source, diagnostics);
    EXPECT_TRUE(policy) << diagnostics.format();
    return policy.value_or(Policy{});
}

// What a composed policy means once expanded: path -> allowed (origins aside).
std::map<std::string, FsAccess> effective(Policy policy) {
    Diagnostics diagnostics;
    EXPECT_TRUE(resolve_variables(policy, diagnostics)) << diagnostics.format();
    std::map<std::string, FsAccess> out;
    for (const auto& rule : policy.paths) out[rule.path] |= rule.allowed;
    return out;
}

bool same(const Policy& a, const Policy& b) {
    auto path_tuple = [](const PathRule& r) { return std::tie(r.path, r.allowed, r.origin); };
    auto port_tuple = [](const PortRule& r) { return std::tie(r.port, r.allowed, r.origin); };
    if (a.abi != b.abi || a.handled_fs != b.handled_fs || a.handled_net != b.handled_net || a.scoped != b.scoped ||
        a.variables != b.variables || a.paths.size() != b.paths.size() || a.ports.size() != b.ports.size() ||
        a.options.mode != b.options.mode || a.options.compat != b.options.compat || a.options.log != b.options.log) {
        return false;
    }
    for (std::size_t i = 0; i < a.paths.size(); ++i) {
        if (path_tuple(a.paths[i]) != path_tuple(b.paths[i])) return false;
    }
    for (std::size_t i = 0; i < a.ports.size(); ++i) {
        if (port_tuple(a.ports[i]) != port_tuple(b.ports[i])) return false;
    }
    return true;
}

TEST(ComposeUpstream, S1PlusS2IsS) {
    const Policy s1 = parse_ok(kS1, ConfigSyntax::json, "s1.json");
    const Policy s2 = parse_ok(kS2, ConfigSyntax::toml, "s2.toml");
    const Policy s = parse_ok(kS, ConfigSyntax::toml, "s.toml");
    const Policy composed = compose({s1, s2});

    EXPECT_EQ(fs_all(4), composed.handled_fs);  // 15 rights: up to truncate, no ioctl_dev (ABI 5)
    EXPECT_EQ(s.handled_fs, composed.handled_fs);
    EXPECT_EQ(0U, composed.handled_net);
    EXPECT_EQ(0U, composed.scoped);
    const std::vector<std::string> rw{"/home/user/tmp", "/tmp", "/var/tmp"};
    EXPECT_EQ(rw, composed.variables.at("rw"));

    const auto got = effective(composed);
    EXPECT_EQ(effective(s), got);
    const FsAccess rx = fs::execute | fs::read_file | fs::read_dir | fs::refer;
    const FsAccess rw_rights = fs_all(4) & ~fs::execute;
    const std::map<std::string, FsAccess> expected{
        {"/bin", rx}, {"/dev", rx}, {"/etc", rx}, {"/home/user/bin", rx}, {"/home/user/tmp", rw_rights},
        {"/lib", rx}, {"/proc", rx}, {"/tmp", rw_rights}, {"/usr", rx}, {"/var/tmp", rw_rights}};
    EXPECT_EQ(expected, got);
    EXPECT_EQ(5, composed.abi);  // the highest ABI of the parts
}

TEST(ComposeRules, Commutative) {
    const Policy s1 = parse_ok(kS1, ConfigSyntax::json, "s1.json");
    const Policy s2 = parse_ok(kS2, ConfigSyntax::toml, "s2.toml");
    Policy third = parse_ok(R"({"abi": 6, "ruleset": [{"handledAccessFs": ["abi.all"], "scoped": ["signal"]}],
                                "netPort": [{"allowedAccess": ["bind_tcp"], "port": [80]}],
                                "pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/etc", "/srv"]}]})",
                            ConfigSyntax::json, "t.json");
    third.options.mode = Mode::native;
    third.options.log = LogMode::children;
    Policy fourth = s2;
    fourth.options.compat = Compat::hard;
    fourth.options.mode = Mode::cgroup;

    const std::vector<std::vector<Policy>> orders{{s1, s2, third, fourth}, {fourth, third, s2, s1},
                                                  {s2, fourth, s1, third}, {third, s1, fourth, s2}};
    const Policy reference = compose(orders[0]);
    for (const auto& order : orders) EXPECT_TRUE(same(reference, compose(order)));
    EXPECT_TRUE(same(compose({s1, s2}), compose({s2, s1})));
    EXPECT_EQ(Mode::both, reference.options.mode);  // native and cgroup asked explicitly
    EXPECT_EQ(Compat::hard, reference.options.compat);
    EXPECT_EQ(LogMode::children, reference.options.log);
    EXPECT_EQ(6, reference.abi);
}

TEST(ComposeRules, IntersectionDropsRulesLeftEmpty) {
    Policy a;
    a.handled_fs = fs::read_file | fs::write_file;
    a.handled_net = net::bind_tcp | net::connect_tcp;
    a.scoped = scope::signal;
    a.paths = {{"/common", fs::read_file | fs::write_file, "a:1"}, {"/only-write", fs::write_file, "a:2"}};
    a.ports = {{80, net::bind_tcp, "a:3"}, {443, net::connect_tcp, "a:4"}};
    Policy b;
    b.handled_fs = fs::read_file | fs::execute;
    b.handled_net = net::connect_tcp;
    b.paths = {{"/common", fs::read_file | fs::execute, "b:1"}, {"/exec", fs::execute, "b:2"}};
    compose_into(a, b);
    EXPECT_EQ(fs::read_file, a.handled_fs);
    EXPECT_EQ(net::connect_tcp, a.handled_net);
    EXPECT_EQ(0U, a.scoped);
    ASSERT_EQ(2U, a.paths.size());
    EXPECT_EQ("/common", a.paths[0].path);
    EXPECT_EQ("a:1", a.paths[0].origin);
    EXPECT_EQ(fs::read_file, a.paths[0].allowed);
    EXPECT_EQ("b:1", a.paths[1].origin);
    ASSERT_EQ(1U, a.ports.size());
    EXPECT_EQ(443U, a.ports[0].port);
}

TEST(ComposeRules, Options) {
    auto with = [](Mode mode, Compat compat, LogMode log) {
        Policy p;
        p.options = Options{mode, compat, log};
        return p;
    };
    const Policy automatic = with(Mode::automatic, Compat::best_effort, LogMode::off);
    const Policy native = with(Mode::native, Compat::best_effort, LogMode::on);
    const Policy native_hard = with(Mode::native, Compat::hard, LogMode::off);
    EXPECT_EQ(Mode::native, compose({automatic, native}).options.mode);
    EXPECT_EQ(Mode::native, compose({native, native_hard}).options.mode);
    EXPECT_EQ(Compat::hard, compose({native, native_hard}).options.compat);
    EXPECT_EQ(LogMode::on, compose({automatic, native}).options.log);
    EXPECT_EQ(Mode::both, compose({with(Mode::cgroup, Compat::best_effort, LogMode::on), native}).options.mode);
    EXPECT_EQ(Mode::automatic, compose({automatic}).options.mode);
}

TEST(ComposeMerge, UnionOfHandledAndRules) {
    Policy string_rules;  // as a rule string makes it: abi 0, every file-system right handled
    string_rules.handled_fs = fs_all(kMaxKnownAbi);
    string_rules.paths = {{"/usr", fs_read_execute(kMaxKnownAbi), "io.landlock.rules: item 1 \"rx:/usr\""}};
    Policy file = parse_ok(R"({"abi": 4, "variable": [{"name": "d", "literal": ["/srv"]}],
                               "ruleset": [{"handledAccessNet": ["connect_tcp"]}],
                               "pathBeneath": [{"allowedAccess": ["read_dir"], "parent": ["${d}"]}],
                               "netPort": [{"allowedAccess": ["connect_tcp"], "port": [443]}]})",
                           ConfigSyntax::json, "web.json");
    file.options.compat = Compat::hard;
    merge_into(string_rules, file);
    EXPECT_EQ(fs_all(kMaxKnownAbi), string_rules.handled_fs);
    EXPECT_EQ(net::connect_tcp, string_rules.handled_net);
    ASSERT_EQ(2U, string_rules.paths.size());
    EXPECT_EQ("${d}", string_rules.paths[1].path);
    EXPECT_EQ(1U, string_rules.ports.size());
    EXPECT_EQ(std::vector<std::string>{"/srv"}, string_rules.variables.at("d"));
    EXPECT_EQ(0, string_rules.abi);  // "the running kernel's" stays so in a union
    EXPECT_EQ(Compat::hard, string_rules.options.compat);

    Policy a;
    a.abi = 3;
    Policy b;
    b.abi = 5;
    merge_into(a, b);
    EXPECT_EQ(5, a.abi);
}

}  // namespace
}  // namespace llh
