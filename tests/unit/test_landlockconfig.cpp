// The landlockconfig parser, JSON and TOML: every key, the groups, the derived handled sets, and
// every bad input with the exact diagnostic a user sees.
#include <gtest/gtest.h>

#include <string>

#include "libpolicy/landlockconfig.hpp"

namespace llh {
namespace {

struct Parsed {
    std::optional<Policy> policy;
    Diagnostics diagnostics;
    std::string messages() const { return diagnostics.format(); }
};

Parsed parse(std::string_view text, ConfigSyntax syntax, const Limits& limits = {}) {
    Parsed out;
    out.policy = parse_landlockconfig(text, syntax, syntax == ConfigSyntax::json ? "p.json" : "p.toml", out.diagnostics,
                                      limits);
    return out;
}
Parsed json(std::string_view text, const Limits& limits = {}) { return parse(text, ConfigSyntax::json, limits); }
Parsed toml(std::string_view text, const Limits& limits = {}) { return parse(text, ConfigSyntax::toml, limits); }

constexpr std::string_view kFullJson = R"({
  "abi": 6,
  "variable": [
    {"name": "rw", "literal": ["/tmp", "/var/tmp"]},
    {"name": "rw", "literal": ["/tmp", "/run/app"]}
  ],
  "ruleset": [
    {"handledAccessFs": ["abi.all"], "handledAccessNet": ["bind_tcp"]},
    {"handledAccessNet": ["connect_tcp"], "scoped": ["signal", "abstract_unix_socket"]}
  ],
  "pathBeneath": [
    {"allowedAccess": ["abi.read_execute"], "parent": ["/usr", "/lib"]},
    {"allowedAccess": ["abi.read_write"], "parent": ["${rw}"]},
    {"allowedAccess": ["read_file", "truncate"], "parent": ["/etc/hosts"]}
  ],
  "netPort": [
    {"allowedAccess": ["bind_tcp"], "port": [8080]},
    {"allowedAccess": ["connect_tcp", "bind_tcp"], "port": [443, 0]}
  ]
})";

constexpr std::string_view kFullToml = R"(abi = 6

[[variable]]
name = "rw"
literal = ["/tmp", "/var/tmp"]

[[variable]]
name = "rw"
literal = ["/tmp", "/run/app"]

[[ruleset]]
handled_access_fs = ["abi.all"]
handled_access_net = ["bind_tcp"]

[[ruleset]]
handled_access_net = ["connect_tcp"]
scoped = ["signal", "abstract_unix_socket"]

[[path_beneath]]
allowed_access = ["abi.read_execute"]
parent = ["/usr", "/lib"]

[[path_beneath]]
allowed_access = ["abi.read_write"]
parent = ["${rw}"]

[[path_beneath]]
allowed_access = ["read_file", "truncate"]
parent = ["/etc/hosts"]

[[net_port]]
allowed_access = ["bind_tcp"]
port = [8080]

[[net_port]]
allowed_access = ["connect_tcp", "bind_tcp"]
port = [443, 0]
)";

void expect_full_policy(const Policy& policy) {
    EXPECT_EQ(6, policy.abi);
    EXPECT_EQ(fs_all(6), policy.handled_fs);
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, policy.handled_net);
    EXPECT_EQ(scope::signal | scope::abstract_unix_socket, policy.scoped);
    ASSERT_EQ(4U, policy.paths.size());
    EXPECT_EQ("/usr", policy.paths[0].path);
    EXPECT_EQ(fs_read_execute(6), policy.paths[0].allowed);
    EXPECT_EQ("/lib", policy.paths[1].path);
    EXPECT_EQ("${rw}", policy.paths[2].path);  // kept as written: variables.cpp expands after composition
    EXPECT_EQ(fs_read_write(6), policy.paths[2].allowed);
    EXPECT_EQ("/etc/hosts", policy.paths[3].path);
    EXPECT_EQ(fs::read_file | fs::truncate, policy.paths[3].allowed);
    ASSERT_EQ(3U, policy.ports.size());
    EXPECT_EQ(8080U, policy.ports[0].port);
    EXPECT_EQ(net::bind_tcp, policy.ports[0].allowed);
    EXPECT_EQ(443U, policy.ports[1].port);
    EXPECT_EQ(0U, policy.ports[2].port);
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, policy.ports[2].allowed);
    const std::map<std::string, std::vector<std::string>> variables{{"rw", {"/tmp", "/var/tmp", "/run/app"}}};
    EXPECT_EQ(variables, policy.variables);
    // Defaults: a landlockconfig document carries no options.
    EXPECT_EQ(Mode::automatic, policy.options.mode);
    EXPECT_EQ(Compat::best_effort, policy.options.compat);
}

TEST(LandlockconfigKeys, EveryJsonKey) {
    const Parsed p = json(kFullJson);
    ASSERT_TRUE(p.policy) << p.messages();
    EXPECT_EQ("", p.messages());
    expect_full_policy(*p.policy);
    EXPECT_EQ("p.json: /pathBeneath/0/parent/1", p.policy->paths[1].origin);
    EXPECT_EQ("p.json: /pathBeneath/1/parent/0", p.policy->paths[2].origin);
    EXPECT_EQ("p.json: /netPort/1/port/1", p.policy->ports[2].origin);
}

TEST(LandlockconfigKeys, EveryTomlKey) {
    const Parsed p = toml(kFullToml);
    ASSERT_TRUE(p.policy) << p.messages();
    EXPECT_EQ("", p.messages());
    expect_full_policy(*p.policy);
    EXPECT_EQ("p.toml:21 (path_beneath[0].parent[1])", p.policy->paths[1].origin);
    EXPECT_EQ("p.toml:25 (path_beneath[1].parent[0])", p.policy->paths[2].origin);
    EXPECT_EQ("p.toml:37 (net_port[1].port[1])", p.policy->ports[2].origin);
}

void expect_same_policy(const Policy& a, const Policy& b) {
    EXPECT_EQ(a.abi, b.abi);
    EXPECT_EQ(a.handled_fs, b.handled_fs);
    EXPECT_EQ(a.handled_net, b.handled_net);
    EXPECT_EQ(a.scoped, b.scoped);
    EXPECT_EQ(a.variables, b.variables);
    ASSERT_EQ(a.paths.size(), b.paths.size());
    for (std::size_t i = 0; i < a.paths.size(); ++i) {
        EXPECT_EQ(a.paths[i].path, b.paths[i].path);
        EXPECT_EQ(a.paths[i].allowed, b.paths[i].allowed);
    }
    ASSERT_EQ(a.ports.size(), b.ports.size());
    for (std::size_t i = 0; i < a.ports.size(); ++i) {
        EXPECT_EQ(a.ports[i].port, b.ports[i].port);
        EXPECT_EQ(a.ports[i].allowed, b.ports[i].allowed);
    }
}

TEST(LandlockconfigKeys, JsonAndTomlAgree) {
    const std::pair<std::string_view, std::string_view> pairs[] = {
        {kFullJson, kFullToml},
        {R"({"pathBeneath": [{"allowedAccess": ["execute"], "parent": ["/bin"]}]})",
         "[[path_beneath]]\nallowed_access = [\"execute\"]\nparent = [\"/bin\"]\n"},
        {R"({"abi": 4, "netPort": [{"allowedAccess": ["abi.all"], "port": [22]}]})",
         "abi = 4\n[[net_port]]\nallowed_access = [\"abi.all\"]\nport = [22]\n"},
        {R"({"ruleset": [{"scoped": ["v6.all"]}]})", "[[ruleset]]\nscoped = [\"v6.all\"]\n"},
        {R"({"abi": 3, "ruleset": [{"handledAccessFs": ["abi.read_write"]}]})",
         "abi = 3\nruleset = [{handled_access_fs = [\"abi.read_write\"]}]\n"},
    };
    for (const auto& [j, t] : pairs) {
        const Parsed a = json(j);
        const Parsed b = toml(t);
        ASSERT_TRUE(a.policy) << a.messages();
        ASSERT_TRUE(b.policy) << b.messages();
        expect_same_policy(*a.policy, *b.policy);
    }
}

TEST(LandlockconfigGroups, PerAbi) {
    for (int abi = 1; abi <= kMaxKnownAbi; ++abi) {
        const std::string doc = R"({"abi": )" + std::to_string(abi) +
                                R"(, "pathBeneath": [{"allowedAccess": ["abi.read_execute"], "parent": ["/a"]},
                                     {"allowedAccess": ["abi.read_write"], "parent": ["/b"]},
                                     {"allowedAccess": ["abi.all"], "parent": ["/c"]}]})";
        const Parsed p = json(doc);
        ASSERT_TRUE(p.policy) << p.messages();
        EXPECT_EQ(abi, p.policy->abi);
        EXPECT_EQ(fs_read_execute(abi), p.policy->paths[0].allowed) << abi;
        EXPECT_EQ(fs_read_write(abi), p.policy->paths[1].allowed) << abi;
        EXPECT_EQ(fs_all(abi), p.policy->paths[2].allowed) << abi;
        EXPECT_EQ(fs_all(abi), p.policy->handled_fs) << abi;

        // The older explicit spelling gives the same sets without a top-level "abi".
        const std::string v = "v" + std::to_string(abi);
        const Parsed q = toml("[[path_beneath]]\nallowed_access = [\"" + v + ".read_execute\"]\nparent = [\"/a\"]\n"
                              "[[path_beneath]]\nallowed_access = [\"" + v + ".read_write\"]\nparent = [\"/b\"]\n"
                              "[[ruleset]]\nhandled_access_net = [\"" + v + ".all\"]\nscoped = [\"" + v + ".all\"]\n"
                              "handled_access_fs = [\"" + v + ".all\"]\n");
        ASSERT_TRUE(q.policy) << q.messages();
        EXPECT_EQ(fs_read_execute(abi), q.policy->paths[0].allowed) << abi;
        EXPECT_EQ(fs_read_write(abi), q.policy->paths[1].allowed) << abi;
        EXPECT_EQ(fs_all(abi), q.policy->handled_fs) << abi;
        EXPECT_EQ(net_all(abi), q.policy->handled_net) << abi;
        EXPECT_EQ(scopes_all(abi), q.policy->scoped) << abi;
        // Derived: the highest ABI a named right needs (ABI 7 and 8 added no right, only flags).
        EXPECT_EQ(abi == 7 || abi == 8 ? 6 : abi, q.policy->abi);
    }
}

TEST(LandlockconfigGroups, NetAndScopeAll) {
    const Parsed p = json(R"({"abi": 6, "ruleset": [{"handledAccessNet": ["abi.all"], "scoped": ["abi.all"]}]})");
    ASSERT_TRUE(p.policy) << p.messages();
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, p.policy->handled_net);
    EXPECT_EQ(scope::signal | scope::abstract_unix_socket, p.policy->scoped);
    EXPECT_EQ(0U, p.policy->handled_fs);
}

TEST(LandlockconfigDerived, RulesAddToHandledSets) {
    const Parsed p = json(R"({"ruleset": [{"scoped": ["signal"]}],
                              "pathBeneath": [{"allowedAccess": ["read_file", "ioctl_dev"], "parent": ["/dev"]}],
                              "netPort": [{"allowedAccess": ["connect_tcp"], "port": [443]}]})");
    ASSERT_TRUE(p.policy) << p.messages();
    EXPECT_EQ(fs::read_file | fs::ioctl_dev, p.policy->handled_fs);
    EXPECT_EQ(net::connect_tcp, p.policy->handled_net);
    EXPECT_EQ(6, p.policy->abi);  // signal needs ABI 6, the highest named
}

TEST(LandlockconfigDerived, AbiWithoutDeclarationIsAtLeastOne) {
    const Parsed p = toml("[[path_beneath]]\nallowed_access = [\"read_file\"]\nparent = [\"/etc\"]\n");
    ASSERT_TRUE(p.policy) << p.messages();
    EXPECT_EQ(1, p.policy->abi);
    const Parsed q = toml("[[path_beneath]]\nallowed_access = [\"resolve_unix\"]\nparent = [\"/run\"]\n");
    ASSERT_TRUE(q.policy) << q.messages();
    EXPECT_EQ(9, q.policy->abi);
}

TEST(LandlockconfigDerived, TemplatesAndEscapesAreKept) {
    const Parsed p = json(R"({"variable": [{"name": "home"}],
                              "pathBeneath": [{"allowedAccess": ["read_dir"], "parent": ["${home}/x", "/a$$b"]}]})");
    ASSERT_TRUE(p.policy) << p.messages();
    EXPECT_EQ("${home}/x", p.policy->paths[0].path);
    EXPECT_EQ("/a$$b", p.policy->paths[1].path);
    ASSERT_EQ(1U, p.policy->variables.count("home"));
    EXPECT_TRUE(p.policy->variables.at("home").empty());
}

TEST(LandlockconfigSyntax, Guess) {
    EXPECT_EQ(ConfigSyntax::json, guess_syntax("web.json", "abi = 1"));
    EXPECT_EQ(ConfigSyntax::toml, guess_syntax("/etc/landlock/policies/web.TOML", "{}"));
    EXPECT_EQ(ConfigSyntax::json, guess_syntax("io.landlock.policy", "  \n{\"abi\": 1}"));
    EXPECT_EQ(ConfigSyntax::json, guess_syntax("", "\xEF\xBB\xBF{}"));
    EXPECT_EQ(ConfigSyntax::toml, guess_syntax("", "# comment\nabi = 2\n"));
}

// ---------- bad input: exact text and location ----------

void expect_error(const Parsed& p, std::string_view expected) {
    EXPECT_FALSE(p.policy);
    EXPECT_EQ(expected, p.messages());
}

TEST(LandlockconfigBadInput, MalformedJson) {
    expect_error(json(R"({"abi": 3,
  "pathBeneath": [}")"),
                 "p.json:2:19: error: malformed JSON: syntax error while parsing value - unexpected '}'; expected '[', '{', "
                 "or a literal (hint: check the brackets, commas and quotes around this point)\n");
}

TEST(LandlockconfigBadInput, MalformedToml) {
    expect_error(toml("abi = 3\nparent = [\"/a\"\n"),
                 "p.toml:2:16: error: malformed TOML: Error while parsing array: encountered end-of-file (hint: check the quotes, brackets and \"key = value\" syntax around this point)\n");
}

TEST(LandlockconfigBadInput, TableHeaderWithABadKeyIsAnErrorNotAnAbort) {
    // Found by fuzzing: toml++ 3.3 asserts on this instead of reporting it.
    expect_error(toml("abi = 5\n[$x]]\n"),
                 "p.toml:2:2: error: malformed TOML: Error while parsing key: expected bare key starting character or "
                 "string delimiter, saw '$' (hint: check the quotes, brackets and \"key = value\" syntax around this "
                 "point)\n");
}

TEST(LandlockconfigBadInput, NonAsciiWhereTomlParsersMisbehave) {
    // Found by fuzzing: toml++ 3.3's whitespace test is undefined behaviour for these characters.
    expect_error(toml("abi = \xC3\xA9\n"),
                 "p.toml:1:7: error: malformed TOML: a non-ASCII character outside a string (hint: keys and values "
                 "other than strings are ASCII: quote the text)\n");
    expect_error(toml("a = \"\"\"x\\\n  \xEF\xB7\xBF\"\"\"\n"),
                 "p.toml:2:3: error: malformed TOML: a non-ASCII character after a backslash (hint: escape sequences "
                 "are \\\\, \\\", \\n, \\t, \\uXXXX and the like)\n");
    expect_error(toml("abi = 5LPo=\"/\xC3\x90\"\n"),
                 "p.toml:1:12: error: malformed TOML: a quote right after an unquoted value (hint: separate values "
                 "with a comma, or quote the whole value)\n");
    // In strings and comments they are ordinary text.
    const Parsed ok = toml("# caf\xC3\xA9\n[[path_beneath]]\nallowed_access = [\"read_file\"]\n"
                           "parent = [\"/srv/caf\xC3\xA9\", '/\xEF\xB7\xBF', \"\"\"/ml\xC3\xA9\"\"\"]\n");
    ASSERT_TRUE(ok.policy) << ok.messages();
    EXPECT_EQ("/srv/caf\xC3\xA9", ok.policy->paths[0].path);
}

TEST(LandlockconfigBadInput, OversizeCheckedBeforeParsing) {
    Limits limits;
    limits.max_document_bytes = 16;
    expect_error(json("{\"abi\": 1, \"broken", limits),
                 "p.json: error: the document is 18 bytes, more than the limit of 16 (hint: a policy is a few kilobytes "
                 "of text: check that this is the right file)\n");
    const std::string hundred_mb(100U << 20, ' ');
    const Parsed big = json(hundred_mb);
    EXPECT_FALSE(big.policy);
    EXPECT_EQ("p.json: error: the document is 104857600 bytes, more than the limit of 4194304 (hint: a policy is a "
              "few kilobytes of text: check that this is the right file)\n",
              big.messages());
}

TEST(LandlockconfigBadInput, BinaryFile) {
    using namespace std::string_view_literals;
    expect_error(toml("abi = 1\n\x7f" "ELF\0\0"sv),
                 "p.toml:2:5: error: a NUL byte: this is a binary file, not a policy (hint: a policy is UTF-8 text in "
                 "JSON or TOML)\n");
}

TEST(LandlockconfigBadInput, DeepNestingIsRefusedBeforeTheParser) {
    // Far deeper than any recursive parser survives: the pre-scan must refuse it first.
    const std::string deep_json = std::string(1000000, '[') + std::string(1000000, ']');
    expect_error(json(deep_json),
                 "p.json:1:17: error: nesting deeper than 16 levels (hint: a landlockconfig document needs 4 levels)\n");
    const std::string deep_toml = "x = " + std::string(1000000, '[') + std::string(1000000, ']');
    expect_error(toml(deep_toml),
                 "p.toml:1:21: error: nesting deeper than 16 levels (hint: a landlockconfig document needs 4 levels)\n");
    std::string dotted = "a";
    for (int i = 0; i < 100000; ++i) dotted += ".a";
    expect_error(toml(dotted + " = 1\n"),
                 "p.toml:1:34: error: nesting deeper than 16 levels (hint: a landlockconfig document needs 4 levels)\n");
    expect_error(toml("[" + dotted + "]\n"),
                 "p.toml:1:33: error: nesting deeper than 16 levels (hint: a landlockconfig document needs 4 levels)\n");
    // Brackets inside strings and comments do not count.
    const Parsed ok = toml("# [[[[[[[[[[[[[[[[[[[[\n[[path_beneath]]\nallowed_access = [\"read_file\"]\n"
                           "parent = [\"/[[[[[[[[[[[[[[[[[[[[\", '/{{{{{{{{{{{{{{{{{{{{{{{']\n");
    EXPECT_TRUE(ok.policy) << ok.messages();
}

TEST(LandlockconfigBadInput, EveryProblemOfADocumentAtOnce) {
    expect_error(
        json(R"({"pathBeneath": [{"allowedAccess": ["make_teleport", "bind_tcp", "abi.all", "rea_file", 3],
                                  "parent": ["usr/lib", "", "/ok", 5]}],
                 "netPort": [{"allowedAccess": ["read_file", "connect_tcp"], "port": [70000, -1, "80"]}]})"),
        "p.json: /pathBeneath/0/allowedAccess/0: error: unknown file-system right \"make_teleport\" (hint: this "
        "version knows rights up to Landlock ABI 9: execute, write_file, read_file, read_dir, remove_dir, remove_file, "
        "make_char, make_dir, make_reg, make_sock, make_fifo, make_block, make_sym, refer, truncate, ioctl_dev, "
        "resolve_unix, abi.all, abi.read_execute, abi.read_write; a right from a newer Landlock needs a newer "
        "landlock-hooks)\n"
        "p.json: /pathBeneath/0/allowedAccess/1: error: \"bind_tcp\" is a network right, not a file-system right "
        "(hint: allow it in a \"netPort\" entry)\n"
        "p.json: /pathBeneath/0/allowedAccess/2: error: \"abi.all\" needs the top-level \"abi\" (the ABI the policy "
        "is written for) (hint: add \"abi\": 9 at the top, or name the rights one by one)\n"
        "p.json: /pathBeneath/0/allowedAccess/3: error: unknown file-system right \"rea_file\" (hint: did you mean "
        "\"read_file\"?)\n"
        "p.json: /pathBeneath/0/allowedAccess/4: error: expected a string, found an integer (hint: write it in double "
        "quotes)\n"
        "p.json: /pathBeneath/0/parent/0: error: relative path \"usr/lib\" (hint: paths are absolute, as the workload "
        "sees them: \"/usr/lib\")\n"
        "p.json: /pathBeneath/0/parent/1: error: empty path (hint: paths are absolute, as the workload sees them, such "
        "as \"/usr\")\n"
        "p.json: /pathBeneath/0/parent/3: error: expected a string, found an integer (hint: write it in double "
        "quotes)\n"
        "p.json: /netPort/0/allowedAccess/0: error: \"read_file\" is a file-system right, not a network right (hint: "
        "allow it in a \"pathBeneath\" entry)\n"
        "p.json: /netPort/0/port/0: error: port 70000 is out of range (hint: TCP ports are 0 to 65535)\n"
        "p.json: /netPort/0/port/1: error: port -1 is out of range (hint: TCP ports are 0 to 65535)\n"
        "p.json: /netPort/0/port/2: error: expected an integer, found a string (hint: write a whole number without "
        "quotes)\n");
}

TEST(LandlockconfigBadInput, RightFromTheFutureInToml) {
    expect_error(toml("[[path_beneath]]\nallowed_access = [\"read_file\", \"make_teleport\"]\nparent = [\"/usr\"]\n"),
                 "p.toml:2 (path_beneath[0].allowed_access[1]): error: unknown file-system right \"make_teleport\" "
                 "(hint: this version knows rights up to Landlock ABI 9: execute, write_file, read_file, read_dir, "
                 "remove_dir, remove_file, make_char, make_dir, make_reg, make_sock, make_fifo, make_block, make_sym, "
                 "refer, truncate, ioctl_dev, resolve_unix, abi.all, abi.read_execute, abi.read_write; a right from a "
                 "newer Landlock needs a newer landlock-hooks)\n");
}

TEST(LandlockconfigBadInput, WrongKindsInRulesets) {
    expect_error(json(R"({"ruleset": [{"handledAccessFs": ["connect_tcp"], "handledAccessNet": ["signal"],
                                         "scoped": ["abi.read_write", "read_dir"]}]})"),
                 "p.json: /ruleset/0/handledAccessFs/0: error: \"connect_tcp\" is a network right, not a file-system "
                 "right (hint: list it in a ruleset's \"handledAccessNet\")\n"
                 "p.json: /ruleset/0/handledAccessNet/0: error: \"signal\" is a scope, not a network right (hint: list "
                 "it in a ruleset's \"scoped\")\n"
                 "p.json: /ruleset/0/scoped/0: error: \"abi.read_write\" is a group of file-system rights, not a scope "
                 "(hint: list it in a ruleset's \"handledAccessFs\")\n"
                 "p.json: /ruleset/0/scoped/1: error: \"read_dir\" is a file-system right, not a scope (hint: list it "
                 "in a ruleset's \"handledAccessFs\")\n");
    expect_error(toml("[[net_port]]\nallowed_access = [\"signal\"]\nport = [1]\n"),
                 "p.toml:2 (net_port[0].allowed_access[0]): error: \"signal\" is a scope, not a network right (hint: "
                 "scopes have no rules: list it in a ruleset's \"scoped\")\n");
}

TEST(LandlockconfigBadInput, AbiOutOfRange) {
    expect_error(json(R"({"abi": 12, "pathBeneath": [{"allowedAccess": ["abi.all"], "parent": ["/"]}]})"),
                 "p.json: /abi: error: abi 12 is newer than the Landlock ABIs this version knows (1 to 9) (hint: use "
                 "abi 9 or less; a newer ABI needs a newer landlock-hooks)\n");
    expect_error(toml("abi = 0\n[[path_beneath]]\nallowed_access = [\"execute\"]\nparent = [\"/\"]\n"),
                 "p.toml:1 (abi): error: abi 0 is not a Landlock ABI (hint: Landlock ABIs are numbered from 1 to 9)\n");
    expect_error(json(R"({"abi": "5", "ruleset": [{"scoped": ["signal"]}]})"),
                 "p.json: /abi: error: expected an integer, found a string (hint: write a whole number without "
                 "quotes)\n");
    expect_error(json(R"({"pathBeneath": [{"allowedAccess": ["v10.all", "v0.read_write"], "parent": ["/"]}]})"),
                 "p.json: /pathBeneath/0/allowedAccess/0: error: \"v10.all\" names Landlock ABI 10, which this version "
                 "does not know (1 to 9) (hint: use v1 to v9; a newer ABI needs a newer landlock-hooks)\n"
                 "p.json: /pathBeneath/0/allowedAccess/1: error: \"v0.read_write\" names Landlock ABI 0, which this "
                 "version does not know (1 to 9) (hint: use v1 to v9; a newer ABI needs a newer landlock-hooks)\n");
}

TEST(LandlockconfigBadInput, GroupWithoutAbiInToml) {
    expect_error(toml("[[ruleset]]\nhandled_access_fs = [\"abi.read_write\"]\n"),
                 "p.toml:2 (ruleset[0].handled_access_fs[0]): error: \"abi.read_write\" needs the top-level \"abi\" "
                 "(the ABI the policy is written for) (hint: add abi = 9 at the top, or name the rights one by one)\n");
}

TEST(LandlockconfigBadInput, UnknownKeysWithTheClosestKnownOne) {
    expect_error(json(R"({"abi": 2, "pathbeneath": [], "ruleset": [{"handledAccessFS": ["read_file"], "x": 1}],
                          "path_beneath": 1, "netPort": [{"allowedAccess": ["bind_tcp"], "ports": [1]}]})"),
                 "p.json: /pathbeneath: error: unknown key \"pathbeneath\" (hint: did you mean \"pathBeneath\"?)\n"
                 "p.json: /path_beneath: error: unknown key \"path_beneath\" (hint: JSON spells it \"pathBeneath\")\n"
                 "p.json: /ruleset/0/handledAccessFS: error: unknown key \"handledAccessFS\" (hint: did you mean "
                 "\"handledAccessFs\"?)\n"
                 "p.json: /ruleset/0/x: error: unknown key \"x\" (hint: known keys here: \"handledAccessFs\", "
                 "\"handledAccessNet\", \"scoped\")\n"
                 "p.json: /netPort/0/ports: error: unknown key \"ports\" (hint: did you mean \"port\"?)\n"
                 "p.json: /netPort/0: error: missing key \"port\" (hint: a netPort entry needs \"allowedAccess\" and "
                 "\"port\")\n");
    expect_error(toml("abi = 2\npathBeneath = 3\n[[path_beneath]]\nallowedAccess = [\"read_file\"]\nparent = [\"/\"]\n"),
                 "p.toml:2 (pathBeneath): error: unknown key \"pathBeneath\" (hint: TOML spells it \"path_beneath\")\n"
                 "p.toml:4 (path_beneath[0].allowedAccess): error: unknown key \"allowedAccess\" (hint: TOML spells it "
                 "\"allowed_access\")\n"
                 "p.toml:3 (path_beneath[0]): error: missing key \"allowed_access\" (hint: a path_beneath entry needs "
                 "\"allowed_access\" and \"parent\")\n");
}

TEST(LandlockconfigBadInput, WrongTypes) {
    expect_error(toml("[path_beneath]\nallowed_access = [\"read_file\"]\nparent = [\"/usr\"]\n"),
                 "p.toml:1 (path_beneath): error: expected an array, found a table (hint: write [[path_beneath]] for an "
                 "array of tables)\n");
    expect_error(json(R"({"pathBeneath": {"allowedAccess": ["read_file"], "parent": ["/usr"]}})"),
                 "p.json: /pathBeneath: error: expected an array, found an object (hint: wrap the value in [ ])\n");
    expect_error(json(R"({"pathBeneath": [{"allowedAccess": "read_file", "parent": "/usr"}], "variable": [3]})"),
                 "p.json: /variable/0: error: expected an object, found an integer (hint: write each entry as an "
                 "object: {\"key\": value, ...})\n"
                 "p.json: /pathBeneath/0/allowedAccess: error: expected an array, found a string (hint: wrap the value "
                 "in [ ])\n"
                 "p.json: /pathBeneath/0/parent: error: expected an array, found a string (hint: wrap the value in [ ])\n");
    expect_error(json("[1]"),
                 "p.json: error: expected an object at the top, found an array (hint: a landlockconfig policy is an "
                 "object such as {\"pathBeneath\": [...]})\n");
    expect_error(toml("abi = 1979-05-27\n"),
                 "p.toml:1 (abi): error: expected an integer, found a date or time (hint: write a whole number without "
                 "quotes)\n");
}

TEST(LandlockconfigBadInput, DuplicateJsonKey) {
    expect_error(json(R"({"abi": 2, "pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/a"], "parent": ["/b"]}]})"),
                 "p.json: /pathBeneath/0/parent: error: duplicate key \"parent\" (hint: JSON keeps only one of them: "
                 "write each key once)\n");
}

TEST(LandlockconfigBadInput, EmptyArraysAndEntries) {
    expect_error(json(R"({"variable": [], "ruleset": [{}], "pathBeneath": [{"allowedAccess": [], "parent": []}]})"),
                 "p.json: /variable: error: empty list (hint: list at least one value, or remove the key)\n"
                 "p.json: /ruleset/0: error: empty ruleset entry (hint: handle rights with \"handledAccessFs\", "
                 "\"handledAccessNet\" or \"scoped\", or remove the entry)\n"
                 "p.json: /pathBeneath/0/allowedAccess: error: empty list (hint: list at least one value, or remove the "
                 "key)\n"
                 "p.json: /pathBeneath/0/parent: error: empty list (hint: list at least one value, or remove the key)\n");
}

TEST(LandlockconfigBadInput, AllowedNotHandled) {
    expect_error(json(R"({"ruleset": [{"handledAccessFs": ["read_file"], "handledAccessNet": ["bind_tcp"]}],
                          "pathBeneath": [{"allowedAccess": ["read_file", "write_file", "truncate"], "parent": ["/x"]}],
                          "netPort": [{"allowedAccess": ["connect_tcp"], "port": [1]}]})"),
                 "p.json: /pathBeneath/0/allowedAccess: error: allows write_file, truncate, which no ruleset's "
                 "\"handledAccessFs\" handles (hint: add it to \"handledAccessFs\", or drop \"handledAccessFs\" from "
                 "the ruleset to let it be derived from the rules)\n"
                 "p.json: /netPort/0/allowedAccess: error: allows connect_tcp, which no ruleset's \"handledAccessNet\" "
                 "handles (hint: add it to \"handledAccessNet\", or drop \"handledAccessNet\" from the ruleset to let "
                 "it be derived from the rules)\n");
    // A ruleset that only scopes leaves the file-system set to be derived from the rules.
    const Parsed ok = toml("[[ruleset]]\nscoped = [\"signal\"]\n[[path_beneath]]\nallowed_access = [\"read_file\"]\n"
                           "parent = [\"/etc\"]\n");
    EXPECT_TRUE(ok.policy) << ok.messages();
}

TEST(LandlockconfigBadInput, HandlesNothing) {
    expect_error(json(R"({"abi": 2})"),
                 "p.json: error: the policy handles no access right, so it would restrict nothing (hint: handle rights "
                 "in a ruleset entry (handledAccessFs, handledAccessNet, scoped) or allow some in pathBeneath / netPort "
                 "rules)\n");
    expect_error(json("{}"),
                 "p.json: error: the policy handles no access right, so it would restrict nothing (hint: handle rights "
                 "in a ruleset entry (handledAccessFs, handledAccessNet, scoped) or allow some in pathBeneath / netPort "
                 "rules)\n");
    // ABI 1 knows no network right: "v1.all" handles nothing.
    expect_error(toml("[[variable]]\nname = \"x\"\nliteral = [\"/x\"]\n[[ruleset]]\nhandled_access_net = [\"v1.all\"]\n"),
                 "p.toml: error: the policy handles no access right, so it would restrict nothing (hint: handle rights "
                 "in a ruleset entry (handled_access_fs, handled_access_net, scoped) or allow some in path_beneath / "
                 "net_port rules)\n");
}

TEST(LandlockconfigBadInput, PathLimits) {
    Limits limits;
    limits.max_path_bytes = 8;
    expect_error(json(R"({"pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/123456789", "/a\u0000b"]}]})",
                      limits),
                 "p.json: /pathBeneath/0/parent/0: error: the path is 10 bytes, longer than the limit of 8 (hint: "
                 "Linux paths are at most 8 bytes)\n"
                 "p.json: /pathBeneath/0/parent/1: error: the path holds a NUL byte (hint: a path cannot contain NUL: "
                 "remove it)\n");
}

TEST(LandlockconfigBadInput, TooManyRules) {
    Limits limits;
    limits.max_rules = 3;
    expect_error(json(R"({"pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/a", "/b"]}],
                          "netPort": [{"allowedAccess": ["bind_tcp"], "port": [1, 2, 3]}]})",
                      limits),
                 "p.json: /netPort/0/port/1: error: more than 3 rules (hint: allow a common parent directory instead of "
                 "many paths, or split the policy)\n");
}

TEST(LandlockconfigBadInput, VariableNames) {
    expect_error(json(R"({"variable": [{"name": "1x"}, {"name": "a-b", "literal": ["/"]}, {"literal": ["/"]},
                                       {"name": "ok", "literal": ["/", 3], "values": 1}],
                          "ruleset": [{"scoped": ["signal"]}]})"),
                 "p.json: /variable/0/name: error: invalid variable name \"1x\" (hint: a name is an ASCII letter "
                 "followed by letters, digits or _)\n"
                 "p.json: /variable/1/name: error: invalid variable name \"a-b\" (hint: a name is an ASCII letter "
                 "followed by letters, digits or _)\n"
                 "p.json: /variable/2: error: missing key \"name\" (hint: a variable entry needs \"name\" and its "
                 "\"literal\" values)\n"
                 "p.json: /variable/3/values: error: unknown key \"values\" (hint: known keys here: \"name\", "
                 "\"literal\")\n"
                 "p.json: /variable/3/literal/1: error: expected a string, found an integer (hint: write it in double "
                 "quotes)\n");
}

}  // namespace
}  // namespace llh
