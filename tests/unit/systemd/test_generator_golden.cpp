// The generator over real-world unit files (copies of Debian 12's, with LandlockPolicy= lines
// added) must write exactly the golden drop-ins, and nothing for units without a policy.
// LLH_UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "systemd/generator.hpp"
#include "systemd/unit_file.hpp"
#include "systemd/unit_mode.hpp"
#include "tests/support/temp_tree.hpp"

#ifndef LLH_SYSTEMD_DATA_DIR
#error "LLH_SYSTEMD_DATA_DIR must name tests/data/systemd"
#endif

namespace llh::sd {
namespace {

namespace fs = std::filesystem;

const fs::path kData = LLH_SYSTEMD_DATA_DIR;

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The data directory's absolute path differs between checkouts: golden files say @DATA@.
std::string portable(std::string text) {
    const std::string data = (kData / "units").string();
    for (std::size_t at = text.find(data); at != std::string::npos; at = text.find(data, at)) {
        text.replace(at, data.size(), "@DATA@");
    }
    return text;
}

class GeneratorGolden : public ::testing::Test {
protected:
    test::TempTree tree_{"llh-generator"};
    const fs::path out_{tree_.root()};
};

// The generator's answer about cgroup mode is injected: the golden files hold this reason
// (systemd-generator.bats puts the host's real one in its place before comparing).
constexpr const char* kTestReason = "the test says no";

GeneratorConfig test_config(Scope scope, CgroupModeSupport support = {false, kTestReason}) {
    return GeneratorConfig{scope, "/usr/bin/landlock-launch", "/usr/libexec/landlock-hooks/landlock-systemd-helper",
                           [support] { return support; }};
}

// For the modes whose drop-in does not depend on the kernel: asking would be a wasted probe.
GeneratorConfig config_that_must_not_ask() {
    GeneratorConfig config = test_config(Scope::system);
    config.cgroup_support = [] {
        ADD_FAILURE() << "the generator asked about cgroup mode";
        return CgroupModeSupport{};
    };
    return config;
}

// One golden directory per answer about cgroup mode: `system` where it is not available (this
// host), `system-with-cgroup-mode` where it is (mode:auto gets the helper too).
void expect_golden(const fs::path& out, const std::string& golden_dir, CgroupModeSupport support) {
    const UnitIndex index(SearchPath{{(kData / "units").string()}});
    const GeneratorReport report = run_generator(index, test_config(Scope::system, support), out.string());
    EXPECT_TRUE(report.errors.empty()) << report.errors.front();

    std::vector<std::string> written;
    for (const auto& entry : fs::recursive_directory_iterator(out)) {
        if (entry.is_regular_file()) written.push_back(fs::relative(entry.path(), out).string());
    }
    std::sort(written.begin(), written.end());
    const fs::path goldens = kData / "golden" / golden_dir;
    const bool update = std::getenv("LLH_UPDATE_GOLDEN") != nullptr;
    if (update) fs::create_directories(goldens);
    std::vector<std::string> expected;
    for (const auto& entry : fs::directory_iterator(goldens)) {
        const std::string name = entry.path().filename().string();
        expected.push_back(name.substr(0, name.size() - 5) + ".d/zz-landlock.conf");
    }
    std::sort(expected.begin(), expected.end());
    if (!update) {
        EXPECT_EQ(expected, written);
    }

    for (const std::string& file : written) {
        const std::string unit = file.substr(0, file.find(".d/"));
        const fs::path golden = goldens / (unit + ".conf");
        const std::string actual = portable(read(out / file));
        if (update) {
            std::ofstream(golden) << actual;
            continue;
        }
        EXPECT_EQ(read(golden), actual) << "for " << unit << " in " << golden_dir;
    }
}

TEST_F(GeneratorGolden, RealWorldUnitsGiveTheGoldenDropins) {
    expect_golden(out_, "system", {false, kTestReason});
}

TEST_F(GeneratorGolden, RealWorldUnitsWithCgroupModeAvailable) {
    expect_golden(out_, "system-with-cgroup-mode", {true, ""});
}

TEST_F(GeneratorGolden, UnitsWithoutAPolicyAreNeverTouched) {
    const UnitIndex index(SearchPath{{(kData / "units").string()}});
    (void)run_generator(index, test_config(Scope::system), out_.string());
    EXPECT_FALSE(fs::exists(out_ / "fstrim.service.d"));
    EXPECT_FALSE(fs::exists(out_ / "service.d"));
    EXPECT_FALSE(fs::exists(out_ / "getty@tty3.service.d" / "override.conf"));
}

TEST_F(GeneratorGolden, UserScopePassesUserToTheLauncher) {
    const UnitIndex index(SearchPath{{(kData / "units").string()}});
    // A user manager's services never get cgroup mode, whatever the kernel offers: no probe.
    GeneratorConfig config = test_config(Scope::user);
    config.cgroup_support = [] { return unit_cgroup_mode_support(Scope::user); };
    (void)run_generator(index, config, out_.string());
    const std::string text = read(out_ / "dbus.service.d" / "zz-landlock.conf");
    EXPECT_NE(std::string::npos,
              text.find("ExecStart=/usr/bin/landlock-launch --unit %n --user --cgroup-mode-unavailable \"cgroup mode "
                        "needs root, and this is a service of a user manager (systemctl --user)\" --unit-rules "))
        << text;
}

UnitFile parse(const std::string& path, const std::string& text) {
    auto file = parse_unit_file(text, path);
    EXPECT_TRUE(file);
    return file.value_or(UnitFile{});
}

TEST(GeneratorRender, NativeModeResetsExecStartPreAndLeavesOnlyTheGuardOut) {
    const std::vector<UnitFile> files{
        parse("/u/web.service",
              "[Service]\nExecStartPre=/bin/prepare %i\nExecStart=/bin/web\nLandlockPolicy=rx:/usr mode:native\n"),
        parse("/usr/lib/systemd/system/service.d/landlock-guard.conf",
              "[Service]\nExecStartPre=!/usr/libexec/landlock-hooks/landlock-systemd-helper --guard %n\n"),
        parse("/u/web.service.d/zzz-more.conf", "[Service]\nExecStartPre=/bin/later\n"),
    };
    auto rendered = render_dropin("web.service", files, config_that_must_not_ask());
    ASSERT_TRUE(rendered) << rendered.error().format();
    EXPECT_EQ("# Written by landlock-systemd-generator for web.service; do not edit: it is rewritten at every "
              "daemon-reload.\n"
              "# LandlockPolicy= is set at:\n"
              "#   /u/web.service:4 (LandlockPolicy=)\n"
              "[Service]\n"
              "ExecStartPre=\n"
              "ExecStartPre=/bin/prepare %i\n"
              "ExecStart=\n"
              "ExecStart=/usr/bin/landlock-launch --unit %n --unit-rules /u/web.service:4 \"LandlockPolicy=rx:/usr "
              "mode:native\" -- /bin/web\n",
              *rendered);
}

// mode:auto where cgroup mode is not available: the fast path (no helper process), and the
// launcher is told why, to say it in the unit's journal at each start.
TEST(GeneratorRender, AutoModeWithoutCgroupModeHasNoHelperAndTellsTheLauncherWhy) {
    const std::vector<UnitFile> files{
        parse("/u/web.service", "[Service]\nExecStartPre=/bin/prepare\nExecStart=/bin/web\nLandlockPolicy=rx:/usr\n"),
    };
    int asked = 0;
    GeneratorConfig config = test_config(Scope::system);
    config.cgroup_support = [&asked] {
        ++asked;
        return CgroupModeSupport{false, "no bpf in lsm= (100%)"};
    };
    auto rendered = render_dropin("web.service", files, config);
    ASSERT_TRUE(rendered) << rendered.error().format();
    EXPECT_EQ(1, asked);
    EXPECT_EQ("# Written by landlock-systemd-generator for web.service; do not edit: it is rewritten at every "
              "daemon-reload.\n"
              "# LandlockPolicy= is set at:\n"
              "#   /u/web.service:4 (LandlockPolicy=)\n"
              "# mode:auto: native mode only: cgroup mode is not available: no bpf in lsm= (100%)\n"
              "# It was not at daemon-reload, so no ExecStartPre= helper runs; landlock-launch says so in the\n"
              "# unit's journal at each start.\n"
              "[Service]\n"
              "ExecStartPre=\n"
              "ExecStartPre=/bin/prepare\n"
              "ExecStart=\n"
              "ExecStart=/usr/bin/landlock-launch --unit %n --cgroup-mode-unavailable \"no bpf in lsm= (100%%)\" "
              "--unit-rules /u/web.service:4 \"LandlockPolicy=rx:/usr\" -- /bin/web\n",
              *rendered);
}

// mode:auto where cgroup mode is available, and mode:both: the helper attaches, FIRST of the
// ExecStartPre= lines (the unit's own run held already), and the command lines still run
// through the launcher (two layers).
TEST(GeneratorRender, AutoModeWithCgroupModeAndBothModePutTheHelperFirst) {
    const std::string helper =
        "ExecStartPre=\nExecStartPre=!/usr/libexec/landlock-hooks/landlock-systemd-helper %n /u/web.service\n"
        "ExecStartPre=/bin/prepare\nExecStart=\nExecStart=/usr/bin/landlock-launch --unit %n --unit-rules "
        "/u/web.service:4 ";
    const std::vector<UnitFile> automatic{
        parse("/u/web.service", "[Service]\nExecStartPre=/bin/prepare\nExecStart=/bin/web\nLandlockPolicy=rx:/usr\n"),
    };
    auto rendered = render_dropin("web.service", automatic, test_config(Scope::system, {true, ""}));
    ASSERT_TRUE(rendered) << rendered.error().format();
    EXPECT_NE(std::string::npos,
              rendered->find("# mode:auto: cgroup mode is available: the helper attaches the policy to the unit's "
                             "cgroup too.\n[Service]\n" + helper + "\"LandlockPolicy=rx:/usr\" -- /bin/web\n"))
        << *rendered;

    const std::vector<UnitFile> both{
        parse("/u/web.service",
              "[Service]\nExecStartPre=/bin/prepare\nExecStart=/bin/web\nLandlockPolicy=rx:/usr mode:both\n"),
    };
    rendered = render_dropin("web.service", both, config_that_must_not_ask());
    ASSERT_TRUE(rendered) << rendered.error().format();
    EXPECT_NE(std::string::npos,
              rendered->find("[Service]\n" + helper + "\"LandlockPolicy=rx:/usr mode:both\" -- /bin/web\n"))
        << *rendered;
    EXPECT_EQ(std::string::npos, rendered->find("cgroup-mode-unavailable")) << *rendered;
}

TEST(GeneratorRender, CgroupModeKeepsTheHelperWithTheUnitsFiles) {
    const std::vector<UnitFile> files{
        parse("/u/web.service", "[Service]\nExecStart=/bin/web\nLandlockPolicy=rx:/usr mode:cgroup\n"),
        parse("/u/web.service.d/10-more.conf", "[Service]\nLandlockPolicy=ro:/etc\nExecStartPre=/bin/own\n"),
    };
    // The helper decides at start (and refuses where cgroup mode is not available).
    auto rendered = render_dropin("web.service", files, config_that_must_not_ask());
    ASSERT_TRUE(rendered) << rendered.error().format();
    EXPECT_NE(std::string::npos,
              rendered->find("ExecStartPre=\nExecStartPre=!/usr/libexec/landlock-hooks/landlock-systemd-helper %n "
                             "/u/web.service /u/web.service.d/10-more.conf\nExecStartPre=/bin/own\n"))
        << *rendered;
    EXPECT_EQ(std::string::npos, rendered->find("ExecStart=")) << *rendered;
}

TEST(GeneratorRender, ALaterDropinWithACommandLineIsRefused) {
    const std::vector<UnitFile> files{
        parse("/u/web.service", "[Service]\nExecStart=/bin/web\nLandlockPolicy=rx:/usr\n"),
        parse("/u/web.service.d/zzz-late.conf", "[Service]\nExecStart=/bin/escape\n"),
    };
    auto rendered = render_dropin("web.service", files, test_config(Scope::system));
    ASSERT_FALSE(rendered);
    EXPECT_EQ("/u/web.service.d/zzz-late.conf:2: ExecStart=/bin/escape: error: this command line would run without "
              "the Landlock policy (hint: the generator's zz-landlock.conf must be the last drop-in to set "
              "ExecStart=/ExecReload=; rename the later drop-in, and run systemctl daemon-reload)\n",
              rendered.error().format());
}

TEST(GeneratorRender, AnUnroutableCommandGetsARefusalDropin) {
    const std::vector<UnitFile> files{
        parse("/u/web.service", "[Service]\nLandlockPolicy=rx:/usr\nExecStart=/bin/web 'unterminated\n"),
    };
    auto rendered = render_dropin("web.service", files, test_config(Scope::system));
    ASSERT_FALSE(rendered);
    EXPECT_EQ("/u/web.service:3: ExecStart=/bin/web 'unterminated: error: an unterminated single quote (hint: close "
              "the quote, or escape it with a backslash)\n",
              rendered.error().format());
    EXPECT_EQ("# Written by landlock-systemd-generator for web.service; do not edit: it is rewritten at every "
              "daemon-reload.\n"
              "# The unit sets LandlockPolicy=, but it cannot be sandboxed:\n"
              "#   why 100%\n"
              "# So it does not start: the helper below fails the start and names the reason.\n"
              "[Service]\n"
              "ExecStartPre=\n"
              "ExecStartPre=!/usr/libexec/landlock-hooks/landlock-systemd-helper --refuse %n --reason \"why 100%%\"\n"
              "ExecStart=\n"
              "ExecStart=/usr/libexec/landlock-hooks/landlock-systemd-helper --refuse %n --reason \"why 100%%\"\n"
              "ExecReload=\n",
              render_refusal("web.service", {"why 100%"}, test_config(Scope::system)));
}

}  // namespace
}  // namespace llh::sd
