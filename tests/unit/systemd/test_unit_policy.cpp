// LandlockPolicy= assignments → one policy, every diagnostic at the unit file's line.
#include <gtest/gtest.h>

#include "systemd/unit_policy.hpp"

namespace llh::sd {
namespace {

Located at(std::string file, std::size_t line, std::string value, std::string key = "LandlockPolicy") {
    return Located{std::move(file), line, std::move(key), std::move(value)};
}

IncludeLoader no_files() {
    return [](std::string_view name) -> Result<IncludedFile> {
        return fail("no file " + std::string(name), "");
    };
}

std::vector<std::string> errors(const Diagnostics& diagnostics) {
    std::vector<std::string> out;
    for (const auto& d : diagnostics.all()) out.push_back(d.format());
    return out;
}

const UnitName kWeb = *parse_unit_name("web@blue.service");

TEST(UnitPolicy, AssignmentsFromSeveralFilesMakeOnePolicyWithOrigins) {
    Diagnostics diagnostics;
    auto policy = policy_from_assignments(
        {at("/etc/systemd/system/web@.service", 7, "rx:/usr ro:/etc/%i"), at("/run/x.conf", 2, "compat:hard bind:80", "X-LandlockPolicy")},
        kWeb, ManagerContext{}, no_files(), diagnostics);
    ASSERT_TRUE(policy) << diagnostics.format();
    ASSERT_EQ(2U, policy->paths.size());
    EXPECT_EQ("/etc/blue", policy->paths[1].path);
    EXPECT_EQ("/etc/systemd/system/web@.service:7: LandlockPolicy=: item 2 \"ro:/etc/blue\"", policy->paths[1].origin);
    ASSERT_EQ(1U, policy->ports.size());
    EXPECT_EQ("/run/x.conf:2: X-LandlockPolicy=: item 2 \"bind:80\"", policy->ports[0].origin);
    EXPECT_EQ(Compat::hard, policy->options.compat);  // an option in one assignment, rules in another
}

TEST(UnitPolicy, ABadItemIsNamedByFileLineAndItsNumberInTheAssignment) {
    Diagnostics diagnostics;
    auto policy = policy_from_assignments({at("/etc/systemd/system/nginx.service", 7, "rx:/usr"),
                                           at("/etc/systemd/system/nginx.service.d/10.conf", 3, "ro:/etc rx:usr bind:70000")},
                                          kWeb, ManagerContext{}, no_files(), diagnostics);
    EXPECT_FALSE(policy);
    const auto lines = errors(diagnostics);
    ASSERT_EQ(2U, lines.size()) << diagnostics.format();
    EXPECT_EQ(0U, lines[0].rfind("/etc/systemd/system/nginx.service.d/10.conf:3: LandlockPolicy=: item 2 \"rx:usr\": error: ", 0))
        << lines[0];
    EXPECT_EQ(0U, lines[1].rfind("/etc/systemd/system/nginx.service.d/10.conf:3: LandlockPolicy=: item 3 \"bind:70000\": error: port 70000 is out of range", 0))
        << lines[1];
}

TEST(UnitPolicy, AnUnknownSpecifierIsAnErrorAtItsLine) {
    Diagnostics diagnostics;
    EXPECT_FALSE(policy_from_assignments({at("/u/web.service", 4, "rw:/var/%b")}, kWeb, ManagerContext{}, no_files(),
                                         diagnostics));
    ASSERT_EQ(1U, diagnostics.all().size());
    EXPECT_EQ("/u/web.service:4: LandlockPolicy=", diagnostics.all()[0].where);
    EXPECT_EQ("unknown specifier \"%b\"", diagnostics.all()[0].message);
}

TEST(UnitPolicy, AMissingIncludedFileNamesTheItem) {
    Diagnostics diagnostics;
    EXPECT_FALSE(policy_from_assignments({at("/u/web.service", 4, "rx:/usr file:/nonexistent/p.json")}, kWeb,
                                         ManagerContext{}, no_files(), diagnostics));
    ASSERT_FALSE(diagnostics.all().empty());
    EXPECT_EQ("/u/web.service:4: LandlockPolicy=: item 2 \"file:/nonexistent/p.json\"", diagnostics.all()[0].where);
}

TEST(UnitPolicy, WrittenModeIsTheLastOneGiven) {
    EXPECT_EQ("", written_mode({at("f", 1, "rx:/usr")}));
    EXPECT_EQ("cgroup", written_mode({at("f", 1, "mode:native rx:/usr"), at("f", 2, "mode:cgroup")}));
}

TEST(UnitPolicy, TheModeAndTheAssignmentThatSetIt) {
    EXPECT_EQ(Mode::automatic, written_mode_value({at("f", 1, "rx:/usr")}));
    EXPECT_EQ(Mode::both, written_mode_value({at("f", 1, "rx:/usr"), at("f", 2, "mode:both")}));
    EXPECT_EQ(Mode::automatic, written_mode_value({at("f", 1, "mode:sideways")}));  // the parser refuses it
    // A mode refusal names the assignment that set mode:, else the first (mode:auto by default).
    EXPECT_EQ("g:7", mode_assignment({at("f", 1, "rx:/usr"), at("g", 7, "ro:/etc mode:cgroup")}).where());
    EXPECT_EQ("f:1", mode_assignment({at("f", 1, "rx:/usr"), at("g", 7, "ro:/etc")}).where());
}

}  // namespace
}  // namespace llh::sd
