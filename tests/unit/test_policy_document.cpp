// The normalized policy hooks write for landlock-launch, and the one entry point that reads any
// policy document: exact serialized text, strict validation with JSON pointers, round trips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "libpolicy/access.hpp"
#include "libpolicy/policy_document.hpp"
#include "libpolicy/rule_string.hpp"

namespace llh {
namespace {

void expect_same(const Policy& a, const Policy& b) {
    EXPECT_EQ(a.abi, b.abi);
    EXPECT_EQ(a.handled_fs, b.handled_fs);
    EXPECT_EQ(a.handled_net, b.handled_net);
    EXPECT_EQ(a.scoped, b.scoped);
    ASSERT_EQ(a.paths.size(), b.paths.size());
    for (std::size_t i = 0; i < a.paths.size(); ++i) {
        EXPECT_EQ(a.paths[i].path, b.paths[i].path) << i;
        EXPECT_EQ(a.paths[i].allowed, b.paths[i].allowed) << i;
        EXPECT_EQ(a.paths[i].origin, b.paths[i].origin) << i;
    }
    ASSERT_EQ(a.ports.size(), b.ports.size());
    for (std::size_t i = 0; i < a.ports.size(); ++i) {
        EXPECT_EQ(a.ports[i].port, b.ports[i].port) << i;
        EXPECT_EQ(a.ports[i].allowed, b.ports[i].allowed) << i;
        EXPECT_EQ(a.ports[i].origin, b.ports[i].origin) << i;
    }
    EXPECT_EQ(a.variables, b.variables);
    EXPECT_EQ(a.handled_origins, b.handled_origins);
    EXPECT_EQ(a.options.mode, b.options.mode);
    EXPECT_EQ(a.options.compat, b.options.compat);
    EXPECT_EQ(a.options.log, b.options.log);
}

Policy round_trip(const Policy& policy) {
    const std::string text = serialize_policy(policy);
    Diagnostics diagnostics;
    auto parsed = parse_policy_document(text, "/run/landlock/policy.json", diagnostics);
    EXPECT_TRUE(parsed) << diagnostics.format() << text;
    EXPECT_TRUE(diagnostics.all().empty()) << diagnostics.format();
    return parsed.value_or(Policy{});
}

Policy from_rules(std::string_view text) {
    Diagnostics diagnostics;
    const IncludeLoader none = [](std::string_view) -> Result<IncludedFile> { return fail("no includes here"); };
    auto policy = parse_rule_string(text, "io.landlock.rules", none, diagnostics);
    EXPECT_TRUE(policy) << diagnostics.format();
    return policy.value_or(Policy{});
}

std::vector<std::string> errors_of(std::string_view text, std::string_view source = "policy.json") {
    Diagnostics diagnostics;
    auto policy = parse_policy_document(text, source, diagnostics);
    EXPECT_FALSE(policy) << text;
    std::vector<std::string> out;
    for (const auto& d : diagnostics.all()) out.push_back(d.format());
    return out;
}

TEST(PolicyDocumentSerialize, ExactText) {
    const Policy policy = from_rules("ro:/etc bind:8080 scope:signal compat:hard");
    const std::string expected =
        R"({"abi":0,"handledAccessFs":["execute","write_file","read_file","read_dir","remove_dir","remove_file",)"
        R"("make_char","make_dir","make_reg","make_sock","make_fifo","make_block","make_sym","refer","truncate",)"
        R"("ioctl_dev","resolve_unix"],"handledAccessNet":["bind_tcp"],)"
        R"("handledOrigins":{"bind_tcp":"io.landlock.rules: item 2 \"bind:8080\"",)"
        R"("signal":"io.landlock.rules: item 3 \"scope:signal\""},"landlockHooksPolicy":1,)"
        R"("netPort":[{"allowedAccess":["bind_tcp"],"origin":"io.landlock.rules: item 2 \"bind:8080\"","port":8080}],)"
        R"("options":{"compat":"hard","log":"on","mode":"auto"},)"
        R"("pathBeneath":[{"allowedAccess":["read_file","read_dir"],"origin":"io.landlock.rules: item 1 \"ro:/etc\"",)"
        R"("parent":"/etc"}],"scoped":["signal"]})"
        "\n";
    EXPECT_EQ(expected, serialize_policy(policy));
}

TEST(PolicyDocumentSerialize, Deterministic) {
    const Policy policy = from_rules("rx:/usr:/lib rw:/tmp connect:443 log:children mode:native");
    EXPECT_EQ(serialize_policy(policy), serialize_policy(policy));
    EXPECT_EQ(serialize_policy(policy), serialize_policy(round_trip(policy)));
}

TEST(PolicyDocumentSerialize, OptionSpellingsAreTheRuleStrings) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"mode:auto compat:best-effort log:off", R"("options":{"compat":"best-effort","log":"off","mode":"auto"})"},
        {"mode:cgroup compat:hard log:children", R"("options":{"compat":"hard","log":"children","mode":"cgroup"})"},
        {"mode:both", R"("mode":"both")"},
        {"mode:native", R"("mode":"native")"},
    };
    for (const auto& [options, fragment] : cases) {
        const std::string text = serialize_policy(from_rules("ro:/etc " + options));
        EXPECT_NE(std::string::npos, text.find(fragment)) << options << "\n" << text;
    }
}

TEST(PolicyDocumentRoundTrip, RuleStringPolicyWithOrigins) {
    const Policy policy = from_rules(
        "rx:/usr:/lib ro:/etc rw:/tmp rwx:/opt bind:8000-8002 connect:443 bind:none "
        "scope:signal:abstract-unix-socket mode:native compat:hard log:off");
    const Policy back = round_trip(policy);
    expect_same(policy, back);
    EXPECT_EQ("io.landlock.rules: item 5 \"bind:8000-8002\"", back.ports[1].origin);
}

TEST(PolicyDocumentRoundTrip, EveryOptionCombination) {
    for (Mode mode : {Mode::automatic, Mode::native, Mode::cgroup, Mode::both}) {
        for (Compat compat : {Compat::best_effort, Compat::hard}) {
            for (LogMode log : {LogMode::off, LogMode::on, LogMode::children}) {
                Policy policy = from_rules("ro:/etc");
                policy.options = {mode, compat, log};
                expect_same(policy, round_trip(policy));
            }
        }
    }
}

TEST(PolicyDocumentRoundTrip, EveryAbiAndRight) {
    for (int abi = 0; abi <= kMaxKnownAbi; ++abi) {
        Policy policy;
        policy.abi = abi;
        policy.handled_fs = fs_all(abi == 0 ? kMaxKnownAbi : abi);
        policy.handled_net = net_all(abi);
        policy.scoped = scopes_all(abi);
        for (const auto& right : kFsRights) {
            if ((policy.handled_fs & right.bit) != 0) {
                policy.paths.push_back(
                    {"/srv/" + std::string(right.name), right.bit, "origin " + std::string(right.name)});
            }
        }
        if (policy.handled_net != 0) policy.ports.push_back({0, net::bind_tcp, ""});
        expect_same(policy, round_trip(policy));
    }
}

TEST(PolicyDocumentRoundTrip, LandlockconfigPolicyWithVariables) {
    Diagnostics diagnostics;
    auto policy = parse_policy_document(R"({
      "variable": [{"name": "home", "literal": ["/home/a", "/home/b"]}],
      "ruleset": [{"handledAccessFs": ["read_file", "write_file"]}],
      "pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["${home}/docs", "/usr"]}]
    })",
                                        "web.json", diagnostics);
    ASSERT_TRUE(policy) << diagnostics.format();
    ASSERT_EQ(1U, policy->variables.size());
    const Policy back = round_trip(*policy);
    expect_same(*policy, back);
    EXPECT_EQ("web.json: /pathBeneath/0/parent/0", back.paths[0].origin);
    EXPECT_EQ("${home}/docs", back.paths[0].path);
}

TEST(PolicyDocumentRoundTrip, StrangeButValidText) {
    Policy policy = from_rules("ro:/srv/caf\xc3\xa9");
    policy.paths[0].origin = "unit \"x\\y\"\t:7";
    policy.paths.push_back({"/a/\"quoted\"/b", fs::read_file, ""});
    expect_same(policy, round_trip(policy));
}

TEST(PolicyDocumentRoundTrip, RuleThatAllowsNothing) {
    // landlockconfig can yield one ("abi.all" of network rights under abi 1); compat drops it later.
    Policy policy = from_rules("ro:/etc");
    policy.paths.push_back({"/srv", 0, "policy.json: /pathBeneath/1/parent/0"});
    expect_same(policy, round_trip(policy));
}

TEST(PolicyDocumentRoundTrip, ManyRandomRuleStrings) {
    // Whatever the rule string accepts, the normalized form carries unchanged; whatever it
    // refuses comes with an error (the fuzz targets check the same on arbitrary bytes).
    const std::vector<std::string> words{"ro:/usr",
                                         "rx:/lib:/bin",
                                         "rw:/tmp",
                                         "rwx:/opt",
                                         "bind:80",
                                         "connect:443-445",
                                         "bind:none",
                                         "scope:signal",
                                         "scope:abstract-unix-socket",
                                         "mode:native",
                                         "mode:cgroup",
                                         "compat:hard",
                                         "log:off",
                                         "log:children",
                                         "ro:relative",
                                         "bind:0",
                                         "x:y",
                                         "ro:/a,/b",
                                         "",
                                         "file:x"};
    std::uint32_t state = 12345;
    auto next = [&] { return state = state * 1103515245U + 12345U; };
    const IncludeLoader none = [](std::string_view) -> Result<IncludedFile> { return fail("no includes here"); };
    for (int round = 0; round < 300; ++round) {
        std::string text;
        const std::uint32_t count = next() % 6;
        for (std::uint32_t i = 0; i < count; ++i)
            text += words[(next() >> 8) % words.size()] + (next() % 2 ? " " : "\t");
        Diagnostics diagnostics;
        auto policy = parse_rule_string(text, "r", none, diagnostics);
        ASSERT_NE(policy.has_value(), diagnostics.has_errors()) << text;
        if (policy) expect_same(*policy, round_trip(*policy));
    }
}

TEST(PolicyDocumentParse, LandlockconfigJsonAndToml) {
    Diagnostics diagnostics;
    auto json = parse_policy_document(R"({"pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/etc"]}]})",
                                      "/etc/landlock/policies/a", diagnostics);
    ASSERT_TRUE(json) << diagnostics.format();
    EXPECT_EQ(fs::read_file, json->handled_fs);
    EXPECT_EQ("/etc/landlock/policies/a: /pathBeneath/0/parent/0", json->paths[0].origin);

    auto toml = parse_policy_document("[[path_beneath]]\nallowed_access = [\"read_dir\"]\nparent = [\"/etc\"]\n",
                                      "/etc/landlock/policies/b", diagnostics);
    ASSERT_TRUE(toml) << diagnostics.format();
    EXPECT_EQ(fs::read_dir, toml->handled_fs);
    EXPECT_EQ("/etc/landlock/policies/b:3 (path_beneath[0].parent[0])", toml->paths[0].origin);
    EXPECT_TRUE(diagnostics.all().empty());
}

TEST(PolicyDocumentParse, TheVersionKeyElsewhereIsNotANormalizedPolicy) {
    // A landlockconfig document that merely mentions the key in a string stays landlockconfig.
    Diagnostics diagnostics;
    auto policy = parse_policy_document(
        R"({"pathBeneath": [{"allowedAccess": ["read_file"], "parent": ["/srv/landlockHooksPolicy"]}]})", "p.json",
        diagnostics);
    ASSERT_TRUE(policy) << diagnostics.format();
    EXPECT_EQ("/srv/landlockHooksPolicy", policy->paths[0].path);
}

TEST(PolicyDocumentParse, MalformedJson) {
    const auto errors = errors_of(R"({"landlockHooksPolicy": 1, "abi": })");
    ASSERT_EQ(1U, errors.size());
    EXPECT_EQ(0U, errors[0].rfind("policy.json:1:", 0)) << errors[0];
    EXPECT_NE(std::string::npos, errors[0].find("malformed JSON")) << errors[0];
}

TEST(PolicyDocumentParse, MalformedToml) {
    const auto errors = errors_of("[[path_beneath]\n", "policy.toml");
    ASSERT_EQ(1U, errors.size());
    EXPECT_EQ(0U, errors[0].rfind("policy.toml:1:", 0)) << errors[0];
}

TEST(PolicyDocumentParse, BinaryAndOversize) {
    EXPECT_EQ(std::vector<std::string>{"policy.json:1:25: error: a NUL byte: this is a binary file, not a policy "
                                       "(hint: a policy is UTF-8 text in JSON or TOML)"},
              errors_of(std::string_view("{\"landlockHooksPolicy\": \0", 25)));
    Limits limits;
    limits.max_document_bytes = 10;
    Diagnostics diagnostics;
    EXPECT_FALSE(parse_policy_document(R"({"landlockHooksPolicy": 1})", "policy.json", diagnostics, limits));
    EXPECT_EQ(
        "policy.json: error: the document is 26 bytes, more than the limit of 10 (hint: a policy is a few "
        "kilobytes of text: check that this is the right file)",
        diagnostics.format().substr(0, diagnostics.format().size() - 1));
}

// A valid normalized document with one member replaced.
std::string normalized_with(const std::string& key, const std::string& value) {
    std::string text = R"({"landlockHooksPolicy": 1, "abi": 3,
      "options": {"mode": "auto", "compat": "best-effort", "log": "on"},
      "handledAccessFs": ["read_file", "read_dir"], "handledAccessNet": ["connect_tcp"], "scoped": [],
      "pathBeneath": [{"parent": "/etc", "allowedAccess": ["read_file"], "origin": "o"}],
      "netPort": [{"port": 443, "allowedAccess": ["connect_tcp"], "origin": ""}]})";
    const std::string quoted = "\"" + key + "\": ";
    const std::size_t at = text.find(quoted);
    if (at == std::string::npos) return text;
    std::size_t end = at + quoted.size();
    int depth = 0;
    for (; end < text.size(); ++end) {
        const char c = text[end];
        if (c == '[' || c == '{') ++depth;
        if (c == ']' || c == '}') {
            if (depth == 0) break;
            --depth;
        }
        if (c == ',' && depth == 0) break;
    }
    return text.substr(0, at + quoted.size()) + value + text.substr(end);
}

TEST(PolicyDocumentStrict, TheBaseDocumentIsValid) {
    Diagnostics diagnostics;
    auto policy = parse_policy_document(normalized_with("none", ""), "policy.json", diagnostics);
    ASSERT_TRUE(policy) << diagnostics.format();
    EXPECT_EQ(3, policy->abi);
    EXPECT_EQ(fs::read_file | fs::read_dir, policy->handled_fs);
    EXPECT_EQ("o", policy->paths[0].origin);
    EXPECT_EQ(443U, policy->ports[0].port);
}

TEST(PolicyDocumentStrict, Errors) {
    const std::vector<std::tuple<std::string, std::string, std::string>> cases{
        {"landlockHooksPolicy", "2",
         "policy.json: /landlockHooksPolicy: error: normalized policy version 2 is not supported (hint: this "
         "landlock-hooks reads version 1: write the policy with the same version of landlock-hooks)"},
        {"landlockHooksPolicy", "\"1\"",
         "policy.json: /landlockHooksPolicy: error: expected an integer, found a string (hint: see serialize_policy() "
         "for the normalized form)"},
        {"abi", "10",
         "policy.json: /abi: error: abi 10 is out of range (hint: 0 (the running kernel's) or a Landlock ABI from 1 to "
         "9)"},
        {"abi", "-1",
         "policy.json: /abi: error: abi -1 is out of range (hint: 0 (the running kernel's) or a Landlock ABI from 1 to "
         "9)"},
        {"options", R"({"mode": "nativ", "compat": "best-effort", "log": "on"})",
         "policy.json: /options/mode: error: unknown mode \"nativ\" (hint: mode is one of auto, native, cgroup, both)"},
        {"options", R"({"mode": "auto", "compat": "best-effort"})",
         "policy.json: /options: error: missing key \"log\" (hint: a normalized policy has every key "
         "serialize_policy() "
         "writes)"},
        {"options", R"({"mode": "auto", "compat": "best-effort", "log": "on", "lgo": 1})",
         "policy.json: /options/lgo: error: unknown key \"lgo\" (hint: did you mean \"log\"?)"},
        {"handledAccessFs", R"(["read_file", "read_dir", "raed_file"])",
         "policy.json: /handledAccessFs/2: error: unknown file-system right \"raed_file\" (hint: did you mean "
         "\"read_file\"?)"},
        {"handledAccessNet", R"(["connect_tcp", "signal"])",
         "policy.json: /handledAccessNet/1: error: unknown network right \"signal\" (hint: known names: bind_tcp, "
         "connect_tcp)"},
        {"scoped", R"(["signal", 3])",
         "policy.json: /scoped/1: error: expected a string, found an integer (hint: see serialize_policy() for the "
         "normalized form)"},
        {"pathBeneath", R"([{"parent": "etc", "allowedAccess": ["read_file"], "origin": ""}])",
         "policy.json: /pathBeneath/0/parent: error: relative path \"etc\" (hint: paths are absolute, as the workload "
         "sees them)"},
        {"pathBeneath", R"([{"parent": "/etc", "allowedAccess": ["read_file", "execute"], "origin": ""}])",
         "policy.json: /pathBeneath/0/allowedAccess: error: allows execute, which \"handledAccessFs\" does not handle "
         "(hint: add it to \"handledAccessFs\")"},
        {"pathBeneath", R"([{"parent": "/etc", "allowedAccess": ["read_file"]}])",
         "policy.json: /pathBeneath/0: error: missing key \"origin\" (hint: a normalized policy has every key "
         "serialize_policy() writes)"},
        {"pathBeneath", R"([{"parent": ["/etc"], "allowedAccess": ["read_file"], "origin": ""}])",
         "policy.json: /pathBeneath/0/parent: error: expected a string, found an array (hint: see serialize_policy() "
         "for the normalized form)"},
        {"netPort", R"([{"port": 70000, "allowedAccess": ["connect_tcp"], "origin": ""}])",
         "policy.json: /netPort/0/port: error: port 70000 is out of range (hint: TCP ports are 0 to 65535)"},
        {"netPort", R"([{"port": 80, "allowedAccess": ["bind_tcp"], "origin": ""}])",
         "policy.json: /netPort/0/allowedAccess: error: allows bind_tcp, which \"handledAccessNet\" does not handle "
         "(hint: add it to \"handledAccessNet\")"},
        {"netPort", R"({"port": 80})",
         "policy.json: /netPort: error: expected an array, found an object (hint: see serialize_policy() for the "
         "normalized form)"},
    };
    for (const auto& [key, value, expected] : cases) {
        EXPECT_EQ(std::vector<std::string>{expected}, errors_of(normalized_with(key, value))) << key << " = " << value;
    }
}

TEST(PolicyDocumentStrict, UnknownAndMissingTopLevelKeys) {
    EXPECT_EQ((std::vector<std::string>{
                  "policy.json: /pathBeneth: error: unknown key \"pathBeneth\" (hint: did you mean \"pathBeneath\"?)",
                  "policy.json: error: missing key \"abi\" (hint: a normalized policy has every key serialize_policy() "
                  "writes)",
                  "policy.json: error: missing key \"options\" (hint: a normalized policy has every key "
                  "serialize_policy() writes)",
                  "policy.json: error: missing key \"handledAccessFs\" (hint: a normalized policy has every key "
                  "serialize_policy() writes)",
                  "policy.json: error: missing key \"handledAccessNet\" (hint: a normalized policy has every key "
                  "serialize_policy() writes)",
                  "policy.json: error: missing key \"scoped\" (hint: a normalized policy has every key "
                  "serialize_policy() writes)",
                  "policy.json: error: missing key \"pathBeneath\" (hint: a normalized policy has every key "
                  "serialize_policy() writes)",
                  "policy.json: error: missing key \"netPort\" (hint: a normalized policy has every key "
                  "serialize_policy() writes)",
              }),
              errors_of(R"({"landlockHooksPolicy": 1, "pathBeneth": []})"));
}

TEST(PolicyDocumentStrict, HandlesNothing) {
    EXPECT_EQ(std::vector<std::string>{"policy.json: error: the policy handles no access right, so it would restrict "
                                       "nothing (hint: handle rights in \"handledAccessFs\", \"handledAccessNet\" or "
                                       "\"scoped\")"},
              errors_of(R"({"landlockHooksPolicy": 1, "abi": 0, "options": {"mode": "auto", "compat": "hard",
                "log": "on"}, "handledAccessFs": [], "handledAccessNet": [], "scoped": [], "pathBeneath": [],
                "netPort": []})"));
}

TEST(PolicyDocumentStrict, EveryProblemAtOnce) {
    const auto errors = errors_of(R"({"landlockHooksPolicy": 1, "abi": 99,
      "options": {"mode": "auto", "compat": "soft", "log": "on"},
      "handledAccessFs": ["read_file"], "handledAccessNet": [], "scoped": ["signal"],
      "pathBeneath": [{"parent": "", "allowedAccess": ["read_file"], "origin": ""}],
      "netPort": [{"port": -1, "allowedAccess": ["bind_tcp"], "origin": ""}]})");
    EXPECT_EQ(5U, errors.size());
}

TEST(PolicyDocumentStrict, DuplicateKeysAreRefused) {
    const auto errors = errors_of(normalized_with("abi", "3, \"abi\": 4"));
    ASSERT_EQ(1U, errors.size());
    EXPECT_EQ(
        "policy.json: /abi: error: duplicate key \"abi\" (hint: JSON keeps only one of them: write each key once)",
        errors[0]);
}

TEST(PolicyDocumentStrict, RuleLimit) {
    Limits limits;
    limits.max_rules = 2;
    Policy policy = from_rules("ro:/a:/b:/c");
    Diagnostics diagnostics;
    EXPECT_FALSE(parse_policy_document(serialize_policy(policy), "policy.json", diagnostics, limits));
    EXPECT_EQ(
        "policy.json: /pathBeneath/2: error: more than 2 rules (hint: allow a common parent directory instead of "
        "many paths, or split the policy)\n",
        diagnostics.format());
}

TEST(PolicyDocumentStrict, HandledOriginsNameNetworkRightsAndScopes) {
    EXPECT_EQ(std::vector<std::string>{"policy.json: /handledOrigins/read_file: error: unknown network right or scope "
                                       "\"read_file\" (hint: handledOrigins names network rights and scopes)"},
              errors_of(normalized_with("abi", R"(3, "handledOrigins": {"read_file": "x"})")));
}

}  // namespace
}  // namespace llh
