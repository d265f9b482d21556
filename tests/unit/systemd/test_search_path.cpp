// The unit path and drop-in lookup in systemd's order, on a throw-away tree per test.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "systemd/search_path.hpp"
#include "tests/support/temp_tree.hpp"

namespace llh::sd {
namespace {

namespace fs = std::filesystem;

class SearchPathTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(high_);
        fs::create_directories(low_);
    }

    static void write(const fs::path& path, const std::string& text) {
        fs::create_directories(path.parent_path());
        std::ofstream(path) << text;
    }
    UnitIndex index() const { return UnitIndex(SearchPath{{high_.string(), low_.string()}}); }
    std::vector<std::string> names(const std::vector<std::string>& paths) const {
        std::vector<std::string> out;
        for (const auto& path : paths) out.push_back(fs::relative(path, root_).string());
        return out;
    }

    test::TempTree tree_{"llh-units"};
    const fs::path root_{tree_.root()};
    const fs::path high_{root_ / "etc"};
    const fs::path low_{root_ / "usr"};
};

TEST_F(SearchPathTest, FragmentFromTheHighestDirectoryAndInstancesFromTheirTemplate) {
    write(low_ / "web.service", "[Service]\n");
    write(high_ / "web.service", "[Service]\n");
    write(low_ / "getty@.service", "[Service]\n");
    const UnitIndex units = index();
    EXPECT_EQ((high_ / "web.service").string(), units.fragment(*parse_unit_name("web.service"))->path);
    EXPECT_EQ((low_ / "getty@.service").string(), units.fragment(*parse_unit_name("getty@tty1.service"))->path);
    EXPECT_FALSE(units.fragment(*parse_unit_name("none.service")));
}

TEST_F(SearchPathTest, MaskedAndAliasedUnits) {
    write(low_ / "web.service", "[Service]\n");
    fs::create_symlink("/dev/null", high_ / "web.service");
    write(low_ / "empty.service", "");
    write(low_ / "real.service", "[Service]\n");
    fs::create_symlink(low_ / "real.service", high_ / "alias.service");
    const UnitIndex units = index();
    EXPECT_TRUE(units.fragment(*parse_unit_name("web.service"))->masked);
    EXPECT_TRUE(units.fragment(*parse_unit_name("empty.service"))->masked);
    EXPECT_FALSE(units.fragment(*parse_unit_name("alias.service")));
}

TEST_F(SearchPathTest, DropinsSortedByFileNameAcrossDirectoriesHigherMasksLower) {
    write(low_ / "a-b@i.service", "[Service]\n");
    write(low_ / "a-b@i.service.d/50-same.conf", "low");
    write(high_ / "a-b@i.service.d/50-same.conf", "high");
    write(low_ / "a-b@.service.d/10-template.conf", "");
    write(low_ / "a-b@.service.d/10-template.conf", "x");
    write(low_ / "a-@.service.d/20-prefix.conf", "x");
    write(high_ / "service.d/30-top.conf", "x");
    write(low_ / "service.d/90-top.conf", "x");
    write(low_ / "service.d/ignored.txt", "x");
    fs::create_symlink("/dev/null", high_ / "service.d" / "90-top.conf");
    write(low_ / "other.service.d/00-other.conf", "x");
    const UnitIndex units = index();
    EXPECT_EQ((std::vector<std::string>{"usr/a-b@.service.d/10-template.conf", "usr/a-@.service.d/20-prefix.conf",
                                        "etc/service.d/30-top.conf", "etc/a-b@i.service.d/50-same.conf"}),
              names(units.dropins(*parse_unit_name("a-b@i.service"))));
}

TEST_F(SearchPathTest, ServiceNamesIncludeInstancesWithTheirOwnDropinDirectory) {
    write(low_ / "getty@.service", "[Service]\n");
    write(low_ / "web.socket", "[Socket]\n");
    write(high_ / "getty@tty3.service.d/x.conf", "x");
    write(high_ / "orphan@x.service.d/x.conf", "x");
    write(high_ / "web.service", "[Service]\n");
    EXPECT_EQ((std::vector<std::string>{"getty@.service", "getty@tty3.service", "web.service"}), index().service_names());
}

TEST(UnitSearchPath, SystemdUnitPathReplacesOrPrepends) {
    ::setenv("SYSTEMD_UNIT_PATH", "/a:/b/", 1);
    EXPECT_EQ((std::vector<std::string>{"/a", "/b"}), unit_search_path(Scope::system).directories);
    ::setenv("SYSTEMD_UNIT_PATH", "/a:", 1);
    const auto with_defaults = unit_search_path(Scope::system, {"/run/systemd/generator"}).directories;
    EXPECT_EQ("/a", with_defaults.front());
    EXPECT_EQ("/etc/systemd/system.control", with_defaults[1]);
    EXPECT_EQ(with_defaults.end(), std::find(with_defaults.begin(), with_defaults.end(), "/run/systemd/generator"));
    ::unsetenv("SYSTEMD_UNIT_PATH");
    const auto system = unit_search_path(Scope::system).directories;
    EXPECT_EQ(13U, system.size());
    EXPECT_EQ("/usr/lib/systemd/system", system[11]);
}

TEST(UnitSearchPath, UserPathFollowsXdgVariables) {
    ::setenv("HOME", "/home/u", 1);
    ::setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    ::unsetenv("XDG_CONFIG_HOME");
    ::unsetenv("XDG_CONFIG_DIRS");
    ::unsetenv("XDG_DATA_HOME");
    ::unsetenv("XDG_DATA_DIRS");
    EXPECT_EQ((std::vector<std::string>{
                  "/home/u/.config/systemd/user.control", "/run/user/1000/systemd/user.control",
                  "/run/user/1000/systemd/transient", "/run/user/1000/systemd/generator.early",
                  "/home/u/.config/systemd/user", "/etc/xdg/systemd/user", "/etc/systemd/user",
                  "/run/user/1000/systemd/user", "/run/systemd/user", "/run/user/1000/systemd/generator",
                  "/home/u/.local/share/systemd/user", "/usr/local/share/systemd/user", "/usr/share/systemd/user",
                  "/usr/local/lib/systemd/user", "/usr/lib/systemd/user", "/run/user/1000/systemd/generator.late"}),
              unit_search_path(Scope::user).directories);
}

}  // namespace
}  // namespace llh::sd
