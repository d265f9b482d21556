// The unit-file reader against systemd.syntax(7): sections, comments, continuations, limits.
#include <gtest/gtest.h>

#include "systemd/unit_file.hpp"
#include "systemd/unit_settings.hpp"

namespace llh::sd {
namespace {

UnitFile parse(std::string_view text) {
    auto unit = parse_unit_file(text, "web.service");
    EXPECT_TRUE(unit) << (unit ? "" : unit.error().what());
    return unit ? *unit : UnitFile{};
}

TEST(UnitFile, AssignmentsKeepSectionKeyValueAndLine) {
    const UnitFile unit = parse("[Unit]\nDescription=Web\n\n[Service]\nExecStart=/usr/bin/web  \n  LandlockPolicy = rx:/usr\n");
    ASSERT_EQ(3U, unit.assignments.size());
    EXPECT_EQ("Unit", unit.assignments[0].section);
    EXPECT_EQ("Service", unit.assignments[2].section);
    EXPECT_EQ("LandlockPolicy", unit.assignments[2].key);
    EXPECT_EQ("rx:/usr", unit.assignments[2].value);
    EXPECT_EQ(6U, unit.assignments[2].line);
    EXPECT_EQ("/usr/bin/web", unit.assignments[1].value);
}

TEST(UnitFile, CommentsWithHashAndSemicolonAreSkipped) {
    const UnitFile unit = parse("[Service]\n# LandlockPolicy=rx:/a\n; LandlockPolicy=rx:/b\n   #indented\nLandlockPolicy=rx:/c\n");
    ASSERT_EQ(1U, unit.assignments.size());
    EXPECT_EQ("rx:/c", unit.assignments[0].value);
}

TEST(UnitFile, ContinuationJoinsWithASpaceAndSkipsCommentLines) {
    const UnitFile unit = parse("[Service]\nLandlockPolicy=rx:/usr \\\n# a comment inside\n  ro:/etc\\\n rw:/tmp\nX=1\n");
    ASSERT_EQ(2U, unit.assignments.size());
    EXPECT_EQ("rx:/usr    ro:/etc  rw:/tmp", unit.assignments[0].value);
    EXPECT_EQ(2U, unit.assignments[0].line);  // the key's line
    EXPECT_EQ(6U, unit.assignments[1].line);
}

TEST(UnitFile, AnEscapedBackslashDoesNotContinue) {
    const UnitFile unit = parse("[Service]\nExecStart=/bin/echo a\\\\\nLandlockPolicy=rx:/usr\n");
    ASSERT_EQ(2U, unit.assignments.size());
    EXPECT_EQ("/bin/echo a\\\\", unit.assignments[0].value);
}

TEST(UnitFile, AssignmentsOutsideASectionOrInABrokenHeaderAreIgnored) {
    const UnitFile unit = parse("LandlockPolicy=rx:/a\n[Service\nLandlockPolicy=rx:/b\n[Service]\nnot an assignment\nLandlockPolicy=rx:/c\n");
    ASSERT_EQ(1U, unit.assignments.size());
    EXPECT_EQ("rx:/c", unit.assignments[0].value);
}

TEST(UnitFile, CrLfAndBomAreTolerated) {
    const UnitFile unit = parse("\xEF\xBB\xBF[Service]\r\nLandlockPolicy=rx:/usr\r\n");
    ASSERT_EQ(1U, unit.assignments.size());
    EXPECT_EQ("rx:/usr", unit.assignments[0].value);
}

TEST(UnitFile, LimitsRefuseHugeFilesLinesAndNulBytes) {
    UnitLimits limits;
    limits.max_file_bytes = 64;
    limits.max_line_bytes = 16;
    auto big = parse_unit_file(std::string(65, 'x'), "big.service", limits);
    ASSERT_FALSE(big);
    EXPECT_EQ("big.service: the file is 65 bytes, more than the limit of 64 (hint: a unit file this large is not a "
              "unit file; split it into drop-ins)",
              big.error().what());
    auto long_line = parse_unit_file("[Service]\nA=0123456789\\\n0123456789\n", "long.service", limits);
    ASSERT_FALSE(long_line);
    EXPECT_EQ("long.service:2: the line is longer than 16 bytes (hint: systemd refuses such lines too; shorten it or "
              "split it into several assignments)",
              long_line.error().what());
    auto nul = parse_unit_file(std::string("[Service]\nA=\0", 13), "nul.service");
    ASSERT_FALSE(nul);
    EXPECT_EQ("nul.service: a NUL byte at byte 12 (hint: a unit file is text)", nul.error().what());
}

TEST(UnitSettings, ListsAccumulateAcrossFilesAndResetOnEmpty) {
    std::vector<UnitFile> files{
        parse("[Service]\nLandlockPolicy=rx:/usr\nExecStart=/bin/a\nExecReload=/bin/r\n[Install]\nLandlockPolicy=rx:/nope\n"),
        parse("[Service]\nX-LandlockPolicy=ro:/etc\nExecStart=\nExecStart=/bin/b\n"),
    };
    files[1].path = "10-b.conf";
    UnitSettings settings = merge_settings(files);
    ASSERT_EQ(2U, settings.policy.size());
    EXPECT_EQ("web.service:2", settings.policy[0].where());
    EXPECT_EQ("X-LandlockPolicy", settings.policy[1].key);
    ASSERT_EQ(1U, settings.exec_start.size());
    EXPECT_EQ("/bin/b", settings.exec_start[0].value);
    EXPECT_EQ("10-b.conf:4", settings.exec_start[0].where());
    ASSERT_EQ(1U, settings.exec_reload.size());

    files.push_back(parse("[Service]\nLandlockPolicy=\n"));
    settings = merge_settings(files);
    EXPECT_FALSE(settings.sets_policy());  // X-LandlockPolicy= and LandlockPolicy= share one list
}

}  // namespace
}  // namespace llh::sd
