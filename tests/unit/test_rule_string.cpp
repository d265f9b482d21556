// The rule string of annotations and unit files: every kind, every option, every bad input with
// the exact text a user sees.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "libpolicy/access.hpp"
#include "libpolicy/rule_string.hpp"

namespace llh {
namespace {

constexpr FsAccess kRo = fs::read_file | fs::read_dir;
constexpr FsAccess kRx = kRo | fs::execute;

struct Parsed {
    std::optional<Policy> policy;
    Diagnostics diagnostics;
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        for (const auto& d : diagnostics.all()) out.push_back(d.format());
        return out;
    }
};

// Includes come from a map, as a hook's loader would read /etc/landlock/policies/NAME.
struct Files {
    std::map<std::string, IncludedFile> files;
    std::vector<std::string> asked;
    IncludeLoader loader() {
        return [this](std::string_view name) -> Result<IncludedFile> {
            asked.emplace_back(name);
            const auto it = files.find(std::string(name));
            if (it == files.end()) {
                return fail("no policy \"" + std::string(name) + "\" in /etc/landlock/policies",
                            "put NAME.json or NAME.toml there");
            }
            return it->second;
        };
    }
};

Parsed parse(std::string_view text, const Limits& limits = {}) {
    Parsed out;
    const IncludeLoader none = [](std::string_view name) -> Result<IncludedFile> {
        return fail("unexpected include \"" + std::string(name) + "\"");
    };
    out.policy = parse_rule_string(text, "io.landlock.rules", none, out.diagnostics, limits);
    return out;
}

Parsed parse_with(Files& files, std::string_view text) {
    Parsed out;
    out.policy = parse_rule_string(text, "io.landlock.rules", files.loader(), out.diagnostics);
    return out;
}

// One error, exactly this text.
void expect_error(std::string_view text, const std::string& line) {
    const Parsed parsed = parse(text);
    EXPECT_FALSE(parsed.policy) << text;
    EXPECT_EQ(std::vector<std::string>{line}, parsed.lines()) << text;
}

TEST(RuleStringKinds, EveryRuleKind) {
    const Parsed parsed = parse("rx:/usr:/lib ro:/etc rw:/tmp rwx:/opt bind:8080 connect:443 scope:signal");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    EXPECT_TRUE(parsed.diagnostics.all().empty());
    const Policy& p = *parsed.policy;
    EXPECT_EQ(0, p.abi);
    EXPECT_EQ(fs_all(kMaxKnownAbi), p.handled_fs);
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, p.handled_net);
    EXPECT_EQ(scope::signal, p.scoped);
    ASSERT_EQ(5U, p.paths.size());
    EXPECT_EQ("/usr", p.paths[0].path);
    EXPECT_EQ(kRx, p.paths[0].allowed);
    EXPECT_EQ("io.landlock.rules: item 1 \"rx:/usr:/lib\"", p.paths[0].origin);
    EXPECT_EQ("/lib", p.paths[1].path);
    EXPECT_EQ(kRx, p.paths[1].allowed);
    EXPECT_EQ("/etc", p.paths[2].path);
    EXPECT_EQ(kRo, p.paths[2].allowed);
    EXPECT_EQ("io.landlock.rules: item 2 \"ro:/etc\"", p.paths[2].origin);
    EXPECT_EQ("/tmp", p.paths[3].path);
    EXPECT_EQ(fs_all(kMaxKnownAbi) & ~fs::execute, p.paths[3].allowed);
    EXPECT_EQ("/opt", p.paths[4].path);
    EXPECT_EQ(fs_all(kMaxKnownAbi), p.paths[4].allowed);
    ASSERT_EQ(2U, p.ports.size());
    EXPECT_EQ(8080U, p.ports[0].port);
    EXPECT_EQ(net::bind_tcp, p.ports[0].allowed);
    EXPECT_EQ("io.landlock.rules: item 5 \"bind:8080\"", p.ports[0].origin);
    EXPECT_EQ(443U, p.ports[1].port);
    EXPECT_EQ(net::connect_tcp, p.ports[1].allowed);
    EXPECT_EQ("io.landlock.rules: item 7 \"scope:signal\"", p.handled_origins.at("signal"));
    EXPECT_EQ("io.landlock.rules: item 5 \"bind:8080\"", p.handled_origins.at("bind_tcp"));
    EXPECT_EQ("io.landlock.rules: item 6 \"connect:443\"", p.handled_origins.at("connect_tcp"));
    // Defaults when no option is given.
    EXPECT_EQ(Mode::automatic, p.options.mode);
    EXPECT_EQ(Compat::best_effort, p.options.compat);
    EXPECT_EQ(LogMode::on, p.options.log);
}

TEST(RuleStringKinds, FileSystemOnlyHandlesNoNetworkOrScope) {
    const Parsed parsed = parse("ro:/etc");
    ASSERT_TRUE(parsed.policy);
    EXPECT_EQ(fs_all(kMaxKnownAbi), parsed.policy->handled_fs);
    EXPECT_EQ(0U, parsed.policy->handled_net);
    EXPECT_EQ(0U, parsed.policy->scoped);
    EXPECT_TRUE(parsed.policy->handled_origins.empty());
}

TEST(RuleStringKinds, NetworkOnlyStillHandlesEveryFileSystemRight) {
    // Any rule item means "sandbox me": what is not allowed is denied, the file system included.
    const Parsed parsed = parse("connect:443");
    ASSERT_TRUE(parsed.policy);
    EXPECT_EQ(fs_all(kMaxKnownAbi), parsed.policy->handled_fs);
    EXPECT_TRUE(parsed.policy->paths.empty());
}

TEST(RuleStringKinds, WhitespaceOfEveryKindSeparatesItems) {
    const Parsed parsed = parse("  ro:/etc\trx:/usr\n rw:/tmp\r\n\vro:/srv\f ");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    ASSERT_EQ(4U, parsed.policy->paths.size());
    EXPECT_EQ("/srv", parsed.policy->paths[3].path);
    EXPECT_EQ("io.landlock.rules: item 4 \"ro:/srv\"", parsed.policy->paths[3].origin);
}

TEST(RuleStringKinds, CommasSeparateListsToo) {
    const Parsed parsed = parse("rx:/usr,/lib:/bin bind:80,443 scope:signal,abstract-unix-socket");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    ASSERT_EQ(3U, parsed.policy->paths.size());
    EXPECT_EQ("/lib", parsed.policy->paths[1].path);
    EXPECT_EQ("/bin", parsed.policy->paths[2].path);
    ASSERT_EQ(2U, parsed.policy->ports.size());
    EXPECT_EQ(443U, parsed.policy->ports[1].port);
    EXPECT_EQ(scope::signal | scope::abstract_unix_socket, parsed.policy->scoped);
}

TEST(RuleStringKinds, SeveralRulesForOnePathAddUp) {
    const Parsed parsed = parse("ro:/srv rx:/srv");
    ASSERT_TRUE(parsed.policy);
    ASSERT_EQ(2U, parsed.policy->paths.size());
    EXPECT_EQ(kRo, parsed.policy->paths[0].allowed);
    EXPECT_EQ(kRx, parsed.policy->paths[1].allowed);
    EXPECT_EQ("/srv", parsed.policy->paths[1].path);
}

TEST(RuleStringKinds, RootAndDeepPaths) {
    const Parsed parsed = parse("ro:/ rw:/var/lib/app/cache/");
    ASSERT_TRUE(parsed.policy);
    EXPECT_EQ("/", parsed.policy->paths[0].path);
    EXPECT_EQ("/var/lib/app/cache/", parsed.policy->paths[1].path);
}

TEST(RuleStringPorts, RangesBecomeOneRulePerPort) {
    const Parsed parsed = parse("bind:8000-8002:9000");
    ASSERT_TRUE(parsed.policy);
    ASSERT_EQ(4U, parsed.policy->ports.size());
    EXPECT_EQ(8000U, parsed.policy->ports[0].port);
    EXPECT_EQ(8001U, parsed.policy->ports[1].port);
    EXPECT_EQ(8002U, parsed.policy->ports[2].port);
    EXPECT_EQ(9000U, parsed.policy->ports[3].port);
    EXPECT_EQ("io.landlock.rules: item 1 \"bind:8000-8002:9000\"", parsed.policy->ports[2].origin);
}

TEST(RuleStringPorts, EdgesOfTheRange) {
    const Parsed parsed = parse("connect:1:65535 bind:65535-65535");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    ASSERT_EQ(3U, parsed.policy->ports.size());
    EXPECT_EQ(1U, parsed.policy->ports[0].port);
    EXPECT_EQ(65535U, parsed.policy->ports[1].port);
}

TEST(RuleStringPorts, RangeOfTheLargestAllowedSize) {
    const Parsed parsed = parse("bind:10000-14095");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    EXPECT_EQ(4096U, parsed.policy->ports.size());
}

TEST(RuleStringPorts, NoneHandlesWithoutAllowing) {
    const Parsed parsed = parse("bind:none connect:443");
    ASSERT_TRUE(parsed.policy);
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, parsed.policy->handled_net);
    ASSERT_EQ(1U, parsed.policy->ports.size());
    EXPECT_EQ(net::connect_tcp, parsed.policy->ports[0].allowed);
    EXPECT_EQ("io.landlock.rules: item 1 \"bind:none\"", parsed.policy->handled_origins.at("bind_tcp"));
}

TEST(RuleStringPorts, BadPorts) {
    expect_error("bind:0",
                 "io.landlock.rules: item 1 \"bind:0\": error: port 0 is not a port a rule can name "
                 "(hint: TCP ports are 1 to 65535 (binding port 0 lets the kernel choose one))");
    expect_error("connect:70000",
                 "io.landlock.rules: item 1 \"connect:70000\": error: port 70000 is out of range "
                 "(hint: TCP ports are 1 to 65535)");
    expect_error("connect:99999999999999999999999",
                 "io.landlock.rules: item 1 \"connect:99999999999999999999999\": error: port 99999999999999999999999 "
                 "is out of range (hint: TCP ports are 1 to 65535)");
    expect_error("connect:https",
                 "io.landlock.rules: item 1 \"connect:https\": error: \"https\" is not a port (hint: write a port "
                 "(8080), a range (8000-8099), or none to handle the right without allowing a port)");
    expect_error("connect:-5",
                 "io.landlock.rules: item 1 \"connect:-5\": error: \"-5\" is not a port (hint: write a port "
                 "(8080), a range (8000-8099), or none to handle the right without allowing a port)");
    expect_error("bind:+80",
                 "io.landlock.rules: item 1 \"bind:+80\": error: \"+80\" is not a port (hint: write a port "
                 "(8080), a range (8000-8099), or none to handle the right without allowing a port)");
    expect_error("bind:90-80",
                 "io.landlock.rules: item 1 \"bind:90-80\": error: the range 90-80 is reversed "
                 "(hint: write the lower port first: 80-90)");
    expect_error("bind:1-65535",
                 "io.landlock.rules: item 1 \"bind:1-65535\": error: the range 1-65535 holds 65535 ports, more than "
                 "4096 (hint: each port is one Landlock rule: allow only the ports the workload uses, or split the "
                 "range)");
    expect_error("bind:none:80",
                 "io.landlock.rules: item 1 \"bind:none:80\": error: \"none\" cannot be combined with ports "
                 "(hint: \"none\" handles bind_tcp and allows no port; to allow ports, list them without \"none\")");
}

TEST(RuleStringPorts, RuleLimitCountsEveryPort) {
    Limits limits;
    limits.max_rules = 10;
    const Parsed parsed = parse("bind:1000-1009 connect:443", limits);
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ(std::vector<std::string>{"io.landlock.rules: item 2 \"connect:443\": error: more than 10 rules (hint: "
                                       "allow a common parent directory or fewer ports, or split the policy)"},
              parsed.lines());
}

TEST(RuleStringScopes, BothScopesAndBothSpellings) {
    for (const char* text : {"scope:signal:abstract-unix-socket", "scope:abstract_unix_socket:signal",
                             "scope:signal scope:abstract-unix-socket"}) {
        const Parsed parsed = parse(text);
        ASSERT_TRUE(parsed.policy) << text;
        EXPECT_EQ(scope::signal | scope::abstract_unix_socket, parsed.policy->scoped) << text;
        EXPECT_EQ(0U, parsed.policy->handled_net) << text;
    }
}

TEST(RuleStringScopes, UnknownScope) {
    expect_error("scope:signals",
                 "io.landlock.rules: item 1 \"scope:signals\": error: unknown scope \"signals\" "
                 "(hint: did you mean \"signal\"?)");
    expect_error("scope:ptrace",
                 "io.landlock.rules: item 1 \"scope:ptrace\": error: unknown scope \"ptrace\" "
                 "(hint: scopes are signal and abstract-unix-socket)");
}

TEST(RuleStringOptions, EveryOptionValue) {
    const std::vector<std::pair<std::string, Mode>> modes{
        {"auto", Mode::automatic}, {"native", Mode::native}, {"cgroup", Mode::cgroup}, {"both", Mode::both}};
    for (const auto& [word, mode] : modes) {
        const Parsed parsed = parse("ro:/etc mode:" + word);
        ASSERT_TRUE(parsed.policy) << word;
        EXPECT_EQ(mode, parsed.policy->options.mode) << word;
    }
    const std::vector<std::pair<std::string, Compat>> compats{
        {"best-effort", Compat::best_effort}, {"best_effort", Compat::best_effort}, {"hard", Compat::hard}};
    for (const auto& [word, compat] : compats) {
        const Parsed parsed = parse("ro:/etc compat:" + word);
        ASSERT_TRUE(parsed.policy) << word;
        EXPECT_EQ(compat, parsed.policy->options.compat) << word;
    }
    const std::vector<std::pair<std::string, LogMode>> logs{
        {"off", LogMode::off}, {"on", LogMode::on}, {"children", LogMode::children}};
    for (const auto& [word, log] : logs) {
        const Parsed parsed = parse("log:" + word + " ro:/etc");
        ASSERT_TRUE(parsed.policy) << word;
        EXPECT_EQ(log, parsed.policy->options.log) << word;
    }
}

TEST(RuleStringOptions, RepeatingTheSameValueIsFine) {
    const Parsed parsed = parse("compat:hard ro:/etc compat:hard");
    ASSERT_TRUE(parsed.policy);
    EXPECT_EQ(Compat::hard, parsed.policy->options.compat);
    EXPECT_TRUE(parsed.diagnostics.all().empty());
}

TEST(RuleStringOptions, ContradictingValues) {
    expect_error("ro:/etc mode:native mode:cgroup",
                 "io.landlock.rules: item 3 \"mode:cgroup\": error: mode:cgroup contradicts item 2 \"mode:native\" "
                 "(hint: give mode once)");
    expect_error("compat:hard ro:/etc compat:best-effort",
                 "io.landlock.rules: item 3 \"compat:best-effort\": error: compat:best-effort contradicts item 1 "
                 "\"compat:hard\" (hint: give compat once)");
}

TEST(RuleStringOptions, UnknownValues) {
    expect_error("ro:/etc mode:natve",
                 "io.landlock.rules: item 2 \"mode:natve\": error: unknown mode \"natve\" (hint: did you mean "
                 "mode:native?)");
    expect_error(
        "ro:/etc compat:strict",
        "io.landlock.rules: item 2 \"compat:strict\": error: unknown compat \"strict\" (hint: compat is one of "
        "best-effort, hard)");
    expect_error("ro:/etc log:verbose",
                 "io.landlock.rules: item 2 \"log:verbose\": error: unknown log \"verbose\" (hint: log is one of off, "
                 "on, children)");
    expect_error("ro:/etc mode:native:cgroup",
                 "io.landlock.rules: item 2 \"mode:native:cgroup\": error: mode takes one value, found 2 (hint: write "
                 "one of auto, native, cgroup, both)");
}

TEST(RuleStringOptions, OnlyOptionsRestrictNothing) {
    expect_error("mode:native compat:hard log:off",
                 "io.landlock.rules: error: the rule string has only options, so it restricts nothing (hint: add rules "
                 "such as \"rx:/usr ro:/etc rw:/tmp\", or include a policy with file:NAME)");
}

TEST(RuleStringBadInput, EmptyString) {
    for (const char* text : {"", "   ", "\n\t "}) {
        expect_error(text,
                     "io.landlock.rules: error: the rule string is empty, so it restricts nothing (hint: write rules "
                     "such as \"rx:/usr ro:/etc rw:/tmp\")");
    }
}

TEST(RuleStringBadInput, Oversize) {
    Limits limits;
    limits.max_rule_string_bytes = 16;
    const Parsed parsed = parse("ro:/etc ro:/usr ro:/lib", limits);
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ(std::vector<std::string>{"io.landlock.rules: error: the rule string is 23 bytes, more than the limit of "
                                       "16 (hint: put a long policy in a policy file and include it with file:NAME)"},
              parsed.lines());
}

TEST(RuleStringBadInput, DefaultLimitIs64KiB) {
    std::string text = "ro:/";
    text += std::string((64U << 10) - 3, 'a');
    const Parsed parsed = parse(text);
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ(std::vector<std::string>{"io.landlock.rules: error: the rule string is 65537 bytes, more than the limit "
                                       "of 65536 (hint: put a long policy in a policy file and include it with "
                                       "file:NAME)"},
              parsed.lines());
}

TEST(RuleStringBadInput, NulByte) {
    expect_error(std::string_view("ro:/etc\0rx:/usr", 15),
                 "io.landlock.rules: error: the rule string holds a NUL byte at byte 7 (hint: a rule string is text: "
                 "remove the NUL byte)");
}

TEST(RuleStringBadInput, InvalidUtf8) {
    expect_error("ro:/etc rx:/\xff",
                 "io.landlock.rules: error: the rule string is not valid UTF-8 at byte 12 (hint: write the rule string "
                 "as UTF-8 text)");
    expect_error("ro:/\xc0\xaf",
                 "io.landlock.rules: error: the rule string is not valid UTF-8 at byte 4 (hint: write "
                 "the rule string as UTF-8 text)");
    const Parsed fine = parse("ro:/srv/caf\xc3\xa9");
    ASSERT_TRUE(fine.policy);
    EXPECT_EQ("/srv/caf\xc3\xa9", fine.policy->paths[0].path);
}

TEST(RuleStringBadInput, UnknownKinds) {
    expect_error("rox:/usr",
                 "io.landlock.rules: item 1 \"rox:/usr\": error: unknown kind \"rox\" (hint: did you mean \"ro\"?)");
    expect_error("ro:/etc connnect:443",
                 "io.landlock.rules: item 2 \"connnect:443\": error: unknown kind \"connnect\" (hint: did you mean "
                 "\"connect\"?)");
    expect_error("ro:/etc network:443",
                 "io.landlock.rules: item 2 \"network:443\": error: unknown kind \"network\" (hint: items are "
                 "KIND:VALUE, such as rx:/usr or bind:8080; kinds are ro, rx, rw, rwx, bind, connect, scope, file, "
                 "mode, compat, log)");
    expect_error("ro:/etc /usr",
                 "io.landlock.rules: item 2 \"/usr\": error: \"/usr\" is not a KIND:VALUE item (hint: items are "
                 "KIND:VALUE, such as rx:/usr or bind:8080; kinds are ro, rx, rw, rwx, bind, connect, scope, file, "
                 "mode, compat, log)");
    expect_error("ro:/etc RO:/usr",
                 "io.landlock.rules: item 2 \"RO:/usr\": error: unknown kind \"RO\" (hint: did you mean \"ro\"?)");
}

TEST(RuleStringBadInput, MissingValues) {
    expect_error("ro", "io.landlock.rules: item 1 \"ro\": error: \"ro\" needs a value (hint: write ro:/usr)");
    expect_error("bind:", "io.landlock.rules: item 1 \"bind:\": error: \"bind\" needs a value (hint: write bind:8080)");
    expect_error("ro:/etc mode:",
                 "io.landlock.rules: item 2 \"mode:\": error: \"mode\" needs a value (hint: write "
                 "mode:native)");
    expect_error("ro,/etc",
                 "io.landlock.rules: item 1 \"ro,/etc\": error: a comma right after \"ro\" (hint: write a "
                 "colon after the kind: ro:VALUE)");
}

TEST(RuleStringBadInput, EmptyListElements) {
    expect_error("ro:/usr::/lib",
                 "io.landlock.rules: item 1 \"ro:/usr::/lib\": error: an empty value in the list "
                 "(hint: separate values with single colons, as in ro:/usr:/lib)");
    expect_error("bind:80:",
                 "io.landlock.rules: item 1 \"bind:80:\": error: an empty value in the list (hint: "
                 "separate values with single colons, as in bind:8080:8443)");
}

TEST(RuleStringBadInput, Paths) {
    expect_error("ro:etc",
                 "io.landlock.rules: item 1 \"ro:etc\": error: relative path \"etc\" (hint: paths are "
                 "absolute, as the workload sees them: \"/etc\")");
    expect_error("rw:./data",
                 "io.landlock.rules: item 1 \"rw:./data\": error: relative path \"./data\" (hint: paths "
                 "are absolute, as the workload sees them: \"/./data\")");
    expect_error("ro:/home/${USER}",
                 "io.landlock.rules: item 1 \"ro:/home/${USER}\": error: the path \"/home/${USER}\" holds \"${\" or "
                 "\"$$\" (hint: rule-string paths are literal; ${variables} exist only in policy files)");
    // A lone dollar is an ordinary character.
    const Parsed dollar = parse("ro:/srv/$x");
    ASSERT_TRUE(dollar.policy);
    EXPECT_EQ("/srv/$x", dollar.policy->paths[0].path);
}

TEST(RuleStringBadInput, LongPath) {
    const std::string path = "/" + std::string(4095, 'a');
    const Parsed parsed = parse("ro:" + path);
    EXPECT_FALSE(parsed.policy);
    ASSERT_EQ(1U, parsed.lines().size());
    // A huge item is shortened where it is named.
    EXPECT_EQ("io.landlock.rules: item 1 \"ro:/" + std::string(96, 'a') +
                  "...\": error: the path is 4096 bytes, longer than the limit of 4095 (hint: Linux paths are at most "
                  "4095 bytes)",
              parsed.lines()[0]);
    const Parsed fits = parse("ro:/" + std::string(4094, 'a'));
    EXPECT_TRUE(fits.policy);
}

TEST(RuleStringBadInput, ControlCharactersAreEscapedInMessages) {
    expect_error("ro:/etc bad\x01kind:x",
                 "io.landlock.rules: item 2 \"bad\\x01kind:x\": error: unknown kind \"bad\\x01kind\" (hint: items are "
                 "KIND:VALUE, such as rx:/usr or bind:8080; kinds are ro, rx, rw, rwx, bind, connect, scope, file, "
                 "mode, compat, log)");
}

TEST(RuleStringBadInput, EveryProblemIsReported) {
    const Parsed parsed = parse("ro:usr bind:0 foo:1 scope:sig mode:x rx:/usr");
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ((std::vector<std::string>{
                  "io.landlock.rules: item 1 \"ro:usr\": error: relative path \"usr\" (hint: paths are absolute, as "
                  "the workload sees them: \"/usr\")",
                  "io.landlock.rules: item 2 \"bind:0\": error: port 0 is not a port a rule can name (hint: TCP ports "
                  "are 1 to 65535 (binding port 0 lets the kernel choose one))",
                  "io.landlock.rules: item 3 \"foo:1\": error: unknown kind \"foo\" (hint: items are KIND:VALUE, such "
                  "as rx:/usr or bind:8080; kinds are ro, rx, rw, rwx, bind, connect, scope, file, mode, compat, log)",
                  "io.landlock.rules: item 4 \"scope:sig\": error: unknown scope \"sig\" (hint: did you mean "
                  "\"signal\"?)",
                  "io.landlock.rules: item 5 \"mode:x\": error: unknown mode \"x\" (hint: mode is one of auto, native, "
                  "cgroup, both)",
              }),
              parsed.lines());
}

TEST(RuleStringBadInput, WhereNamesTheSource) {
    Diagnostics diagnostics;
    const IncludeLoader none = [](std::string_view) -> Result<IncludedFile> { return fail("no"); };
    EXPECT_FALSE(parse_rule_string("ro:etc", "/etc/systemd/system/web.service:7", none, diagnostics));
    ASSERT_EQ(1U, diagnostics.all().size());
    EXPECT_EQ("/etc/systemd/system/web.service:7: item 1 \"ro:etc\"", diagnostics.all()[0].where);
    EXPECT_EQ("relative path \"etc\"", diagnostics.all()[0].message);
}

constexpr const char* kWebJson = R"({
  "ruleset": [{"handledAccessFs": ["execute", "read_file", "read_dir", "write_file"], "handledAccessNet": ["bind_tcp"]}],
  "pathBeneath": [{"allowedAccess": ["execute", "read_file", "read_dir"], "parent": ["/usr"]}],
  "netPort": [{"allowedAccess": ["bind_tcp"], "port": [8080]}]
})";

constexpr const char* kDbToml = R"(
[[ruleset]]
handled_access_fs = ["read_file", "read_dir", "write_file"]

[[path_beneath]]
allowed_access = ["read_file", "read_dir", "write_file"]
parent = ["/var/lib/db"]
)";

TEST(RuleStringIncludes, OneFileIsThePolicyWithTheStringsOptions) {
    Files files;
    files.files["web"] = {"/etc/landlock/policies/web.json", kWebJson};
    const Parsed parsed = parse_with(files, "file:web compat:hard mode:native");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    EXPECT_EQ(std::vector<std::string>{"web"}, files.asked);
    const Policy& p = *parsed.policy;
    EXPECT_EQ(fs::execute | fs::read_file | fs::read_dir | fs::write_file, p.handled_fs);
    EXPECT_EQ(net::bind_tcp, p.handled_net);
    EXPECT_EQ(4, p.abi);  // the file's (bind_tcp needs ABI 4), not "the running kernel's" (0)
    ASSERT_EQ(1U, p.paths.size());
    EXPECT_EQ("/usr", p.paths[0].path);
    EXPECT_EQ("io.landlock.rules: item 1 \"file:web\": /etc/landlock/policies/web.json: /pathBeneath/0/parent/0",
              p.paths[0].origin);
    ASSERT_EQ(1U, p.ports.size());
    EXPECT_EQ("io.landlock.rules: item 1 \"file:web\": /etc/landlock/policies/web.json: /netPort/0/port/0",
              p.ports[0].origin);
    EXPECT_EQ(Compat::hard, p.options.compat);
    EXPECT_EQ(Mode::native, p.options.mode);
    EXPECT_EQ(LogMode::on, p.options.log);
}

TEST(RuleStringIncludes, SeveralFilesAreComposed) {
    Files files;
    files.files["web"] = {"/etc/landlock/policies/web.json", kWebJson};
    files.files["db"] = {"/etc/landlock/policies/db.toml", kDbToml};
    const Parsed parsed = parse_with(files, "file:web:db");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    const Policy& p = *parsed.policy;
    // landlockconfig composition: only what both handle stays handled, rules keep only that.
    EXPECT_EQ(fs::read_file | fs::read_dir | fs::write_file, p.handled_fs);
    EXPECT_EQ(0U, p.handled_net);
    EXPECT_TRUE(p.ports.empty());
    ASSERT_EQ(2U, p.paths.size());
    for (const auto& rule : p.paths) {
        if (rule.path == "/usr") {
            EXPECT_EQ(fs::read_file | fs::read_dir, rule.allowed);
        } else {
            EXPECT_EQ("/var/lib/db", rule.path);
            EXPECT_EQ(
                "io.landlock.rules: item 1 \"file:web:db\": /etc/landlock/policies/db.toml:7 "
                "(path_beneath[0].parent[0])",
                rule.origin);
        }
    }
}

TEST(RuleStringIncludes, OwnRulesAreAddedToTheIncludedPolicy) {
    Files files;
    files.files["web"] = {"/etc/landlock/policies/web.json", kWebJson};
    const Parsed parsed = parse_with(files, "ro:/etc file:web connect:443 scope:signal");
    ASSERT_TRUE(parsed.policy) << parsed.diagnostics.format();
    const Policy& p = *parsed.policy;
    EXPECT_EQ(0, p.abi);
    EXPECT_EQ(fs_all(kMaxKnownAbi), p.handled_fs);
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, p.handled_net);
    EXPECT_EQ(scope::signal, p.scoped);
    ASSERT_EQ(2U, p.paths.size());
    EXPECT_EQ("/etc", p.paths[0].path);
    EXPECT_EQ("/usr", p.paths[1].path);
    ASSERT_EQ(2U, p.ports.size());
    EXPECT_EQ(443U, p.ports[0].port);
    EXPECT_EQ(8080U, p.ports[1].port);
    EXPECT_EQ("io.landlock.rules: item 3 \"connect:443\"", p.handled_origins.at("connect_tcp"));
    EXPECT_EQ("io.landlock.rules: item 4 \"scope:signal\"", p.handled_origins.at("signal"));
}

TEST(RuleStringIncludes, ErrorsKeepTheFilesLocationsAndNameTheItem) {
    Files files;
    files.files["bad"] = {"/etc/landlock/policies/bad.json",
                          R"({"pathBeneath": [{"allowedAccess": ["read_fil"], "parent": ["usr"]}]})"};
    const Parsed parsed = parse_with(files, "ro:/etc file:bad");
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ((std::vector<std::string>{
                  "io.landlock.rules: item 2 \"file:bad\": /etc/landlock/policies/bad.json: "
                  "/pathBeneath/0/allowedAccess/0: error: unknown file-system right \"read_fil\" (hint: did you mean "
                  "\"read_file\"?)",
                  "io.landlock.rules: item 2 \"file:bad\": /etc/landlock/policies/bad.json: /pathBeneath/0/parent/0: "
                  "error: relative path \"usr\" (hint: paths are absolute, as the workload sees them: \"/usr\")",
              }),
              parsed.lines());
}

TEST(RuleStringIncludes, MalformedTomlIncludeNamesTheLine) {
    Files files;
    files.files["broken"] = {"/etc/landlock/policies/broken.toml", "[[path_beneath]]\nparent = [\"/usr\"\n"};
    const Parsed parsed = parse_with(files, "file:broken");
    EXPECT_FALSE(parsed.policy);
    ASSERT_EQ(1U, parsed.lines().size());
    EXPECT_EQ(0U, parsed.lines()[0].rfind(
                      "io.landlock.rules: item 1 \"file:broken\": /etc/landlock/policies/broken.toml:", 0))
        << parsed.lines()[0];
}

TEST(RuleStringIncludes, LoaderFailure) {
    Files files;
    const Parsed parsed = parse_with(files, "ro:/etc file:missing");
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ(std::vector<std::string>{"io.landlock.rules: item 2 \"file:missing\": error: no policy \"missing\" in "
                                       "/etc/landlock/policies (hint: put NAME.json or NAME.toml there)"},
              parsed.lines());
}

TEST(RuleStringIncludes, AFailedIncludeIsNotReportedAsRestrictingNothing) {
    Files files;
    const Parsed parsed = parse_with(files, "file:missing mode:native");
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ(1U, parsed.lines().size());
}

TEST(RuleStringIncludes, AnIncludedRuleStringIsNotAPolicy) {
    // Includes are one level deep: an included file is a full policy and cannot include further.
    Files files;
    files.files["nested"] = {"/etc/landlock/policies/nested", "file:other"};
    const Parsed parsed = parse_with(files, "file:nested");
    EXPECT_FALSE(parsed.policy);
    EXPECT_EQ(std::vector<std::string>{"nested"}, files.asked);
    ASSERT_FALSE(parsed.lines().empty());
    EXPECT_EQ(0U,
              parsed.lines()[0].rfind("io.landlock.rules: item 1 \"file:nested\": /etc/landlock/policies/nested", 0));
}

TEST(RuleStringIncludes, IncludedNormalizedPolicyKeepsItsOptionsUnlessTheStringSetsThem) {
    Files files;
    files.files["norm"] = {"/etc/landlock/policies/norm.json",
                           R"({"landlockHooksPolicy": 1, "abi": 3, "options": {"mode": "native", "compat": "hard",
                               "log": "off"}, "handledAccessFs": ["read_file"], "handledAccessNet": [], "scoped": [],
                               "pathBeneath": [], "netPort": []})"};
    const Parsed kept = parse_with(files, "file:norm");
    ASSERT_TRUE(kept.policy) << kept.diagnostics.format();
    EXPECT_EQ(Compat::hard, kept.policy->options.compat);
    EXPECT_EQ(LogMode::off, kept.policy->options.log);
    const Parsed overridden = parse_with(files, "file:norm compat:best-effort log:children");
    ASSERT_TRUE(overridden.policy);
    EXPECT_EQ(Compat::best_effort, overridden.policy->options.compat);
    EXPECT_EQ(LogMode::children, overridden.policy->options.log);
    EXPECT_EQ(Mode::native, overridden.policy->options.mode);
}

}  // namespace
}  // namespace llh
