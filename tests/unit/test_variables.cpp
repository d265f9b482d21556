// ${variable} expansion in paths: cartesian products, escapes, and every error at the rule's origin.
#include <gtest/gtest.h>

#include "libpolicy/variables.hpp"

namespace llh {
namespace {

Policy with_rules(std::vector<std::string> paths, std::map<std::string, std::vector<std::string>> variables) {
    Policy policy;
    policy.handled_fs = fs::read_file;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        policy.paths.push_back(PathRule{paths[i], fs::read_file, "p.json: /pathBeneath/0/parent/" + std::to_string(i)});
    }
    policy.variables = std::move(variables);
    return policy;
}

std::vector<std::string> paths_of(const Policy& policy) {
    std::vector<std::string> out;
    for (const auto& rule : policy.paths) out.push_back(rule.path);
    return out;
}

TEST(VariablesExpand, CartesianProductInOrder) {
    Policy policy = with_rules({"${a}/x/${b}", "/plain"}, {{"a", {"/1", "/2"}}, {"b", {"p", "q", "r"}}});
    Diagnostics diagnostics;
    ASSERT_TRUE(resolve_variables(policy, diagnostics)) << diagnostics.format();
    EXPECT_EQ("", diagnostics.format());
    const std::vector<std::string> expected{"/1/x/p", "/1/x/q", "/1/x/r", "/2/x/p", "/2/x/q", "/2/x/r", "/plain"};
    EXPECT_EQ(expected, paths_of(policy));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/0", policy.paths[5].origin);
    EXPECT_EQ("p.json: /pathBeneath/0/parent/1", policy.paths[6].origin);
    EXPECT_TRUE(policy.variables.empty());
}

TEST(VariablesExpand, DollarEscapesAndLoneDollars) {
    Policy policy = with_rules({"/a$$b", "/$${x}", "/c$d", "/e$", "/${v}${v}"}, {{"v", {"1", "2"}}});
    Diagnostics diagnostics;
    ASSERT_TRUE(resolve_variables(policy, diagnostics)) << diagnostics.format();
    const std::vector<std::string> expected{"/a$b", "/${x}", "/c$d", "/e$", "/11", "/12", "/21", "/22"};
    EXPECT_EQ(expected, paths_of(policy));
}

TEST(VariablesExpand, VariableWithNoValuesWarnsAndExpandsToNothing) {
    Policy policy = with_rules({"${home}/.cache", "/usr"}, {{"home", {}}});
    Diagnostics diagnostics;
    ASSERT_TRUE(resolve_variables(policy, diagnostics));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/0: warning: variable \"home\" has no values: \"${home}/.cache\" expands "
              "to no path (hint: give the variable literal values, or remove the rule)\n",
              diagnostics.format());
    EXPECT_EQ(std::vector<std::string>{"/usr"}, paths_of(policy));
}

TEST(VariablesErrors, UnknownAndMalformedReferences) {
    Policy policy = with_rules({"${nope}/x", "/${unclosed", "/${1x}", "/${}", "/ok"}, {{"nose", {"/n"}}});
    Diagnostics diagnostics;
    EXPECT_FALSE(resolve_variables(policy, diagnostics));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/0: error: unknown variable \"nope\" in \"${nope}/x\" (hint: define it in a "
              "variable entry with its literal values, or write $$ for a dollar sign)\n"
              "p.json: /pathBeneath/0/parent/1: error: unclosed variable reference at byte 1 in \"/${unclosed\" (hint: "
              "write ${name} with an ASCII letter then letters, digits or _; write $$ for a dollar sign)\n"
              "p.json: /pathBeneath/0/parent/2: error: invalid variable name \"1x\" at byte 1 in \"/${1x}\" (hint: "
              "write ${name} with an ASCII letter then letters, digits or _; write $$ for a dollar sign)\n"
              "p.json: /pathBeneath/0/parent/3: error: invalid variable name \"\" at byte 1 in \"/${}\" (hint: write "
              "${name} with an ASCII letter then letters, digits or _; write $$ for a dollar sign)\n",
              diagnostics.format());
    // Nothing changed on failure.
    EXPECT_EQ(5U, policy.paths.size());
    EXPECT_EQ(1U, policy.variables.size());
}

TEST(VariablesErrors, ExpandedPathsMustBeAbsolute) {
    Policy policy = with_rules({"${v}/lib"}, {{"v", {"/usr", "usr", ""}}});
    Diagnostics diagnostics;
    EXPECT_FALSE(resolve_variables(policy, diagnostics));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/0: error: relative path \"usr/lib\" (from \"${v}/lib\") (hint: paths are "
              "absolute, as the workload sees them: give the variable absolute values)\n",
              diagnostics.format());
    Policy empty = with_rules({"${v}"}, {{"v", {""}}});
    Diagnostics more;
    EXPECT_FALSE(resolve_variables(empty, more));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/0: error: relative path \"\" (from \"${v}\") (hint: paths are absolute, as "
              "the workload sees them: give the variable absolute values)\n",
              more.format());
}

TEST(VariablesErrors, ExpandedPathLimits) {
    Limits limits;
    limits.max_path_bytes = 6;
    Policy policy = with_rules({"/x/${v}"}, {{"v", {"abc", "abcdef", std::string("a\0b", 3)}}});
    Diagnostics diagnostics;
    EXPECT_FALSE(resolve_variables(policy, diagnostics, limits));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/0: error: the path (from \"/x/${v}\") is 9 bytes, longer than the limit "
              "of 6 (hint: Linux paths are at most 6 bytes)\n"
              "p.json: /pathBeneath/0/parent/0: error: the path (from \"/x/${v}\") holds a NUL byte (hint: a path "
              "cannot contain NUL: remove it)\n",
              diagnostics.format());
}

TEST(VariablesErrors, CartesianExplosionIsBounded) {
    // 100 values in each of 5 references: 10^10 paths if expanded. It must be refused, not built.
    std::vector<std::string> values;
    for (int i = 0; i < 100; ++i) values.push_back("/" + std::to_string(i));
    Policy policy = with_rules({"${v}${v}${v}${v}${v}", "${v}"}, {{"v", values}});
    Diagnostics diagnostics;
    EXPECT_FALSE(resolve_variables(policy, diagnostics));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/0: error: \"${v}${v}${v}${v}${v}\" makes the policy expand to more than "
              "100000 rules (hint: use fewer variable values, or a common parent directory)\n",
              diagnostics.format());

    Limits limits;
    limits.max_rules = 5;
    Policy near = with_rules({"${v}", "${w}"}, {{"v", {"/a", "/b"}}, {"w", {"/c", "/d"}}});
    near.ports.push_back(PortRule{80, net::bind_tcp, "p.json: /netPort/0/port/0"});
    near.ports.push_back(PortRule{81, net::bind_tcp, "p.json: /netPort/0/port/1"});
    Diagnostics near_diagnostics;
    EXPECT_FALSE(resolve_variables(near, near_diagnostics, limits));
    EXPECT_EQ("p.json: /pathBeneath/0/parent/1: error: \"${w}\" makes the policy expand to more than 5 rules (hint: "
              "use fewer variable values, or a common parent directory)\n",
              near_diagnostics.format());
}

}  // namespace
}  // namespace llh
