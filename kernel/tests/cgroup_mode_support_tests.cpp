// The per-boot cache of the cgroup-mode answer (kernel/cgroup_mode_support): believed only when
// root wrote it for this boot and nobody else can change it; anything else is probed again. On
// this host the probe answers "no" with the kernel's own reason, which no cache here contains.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "kernel/cgroup_mode_support.hpp"
#include "tests/support/require.hpp"
#include "tests/support/temp_tree.hpp"

namespace llh::cgroup {
namespace {

constexpr const char* kCachedReason = "a reason only the cache knows";

std::string this_boot() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

class CgroupModeCache : public ::testing::Test {
protected:
    void SetUp() override { LLH_REQUIRE(::geteuid() == 0, "the cache is believed only when root owns it"); }
    void write_cache(const std::string& text, mode_t mode) const {
        std::ofstream(cache_) << text;
        ASSERT_EQ(0, ::chmod(cache_.c_str(), mode));
    }
    CgroupModeSupport ask() const { return cgroup_mode_support(dir_, dir_ + "/no-pins"); }

    // A member, not made in SetUp(): removed even when LLH_REQUIRE skips the test.
    test::TempTree tree_{"llh-mode-cache"};
    const std::string dir_ = tree_.root();
    const std::string cache_ = dir_ + "/cgroup-mode.probe";
};

TEST_F(CgroupModeCache, ThisBootsAnswerIsBelieved) {
    write_cache(this_boot() + "\nno\n" + kCachedReason + "\n", 0644);
    const auto support = ask();
    EXPECT_FALSE(support.available);
    EXPECT_EQ(kCachedReason, support.reason);
}

TEST_F(CgroupModeCache, AnotherBootsOrAWritableOrAMalformedCacheIsProbedAgain) {
    for (const auto& [text, mode] : {std::pair<std::string, mode_t>{"0-other-boot\nno\n" + std::string(kCachedReason), 0644},
                                     {this_boot() + "\nno\n" + kCachedReason + "\n", 0664},
                                     {this_boot() + "\nmaybe\n" + kCachedReason + "\n", 0644},
                                     {this_boot(), 0644}}) {
        write_cache(text, mode);
        const auto support = ask();
        EXPECT_NE(kCachedReason, support.reason) << text;
        // The probe's own answer replaces the cache, for this boot.
        std::ifstream in(cache_);
        std::string boot;
        std::getline(in, boot);
        EXPECT_EQ(this_boot(), boot);
    }
}

TEST_F(CgroupModeCache, ASymlinkIsNotFollowed) {
    const std::string elsewhere = dir_ + "/elsewhere";
    std::ofstream(elsewhere) << this_boot() << "\nno\n" << kCachedReason << "\n";
    ASSERT_EQ(0, ::chmod(elsewhere.c_str(), 0644));
    ASSERT_EQ(0, ::symlink(elsewhere.c_str(), cache_.c_str()));
    EXPECT_NE(kCachedReason, ask().reason);
}

}  // namespace
}  // namespace llh::cgroup
