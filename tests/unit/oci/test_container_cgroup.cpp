// Finding a container's root from the hook, before and after pivot_root.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gmock/gmock.h>

#include "oci-hook/container_cgroup.hpp"
#include "tests/support/temp_tree.hpp"

namespace llh::test {
namespace {

using ::testing::HasSubstr;

TEST(ContainerCgroup, the_rootfs_is_relative_to_the_bundle_unless_absolute) {
    EXPECT_EQ("/b/rootfs", bundle_rootfs("/b", "rootfs"));
    EXPECT_EQ("/var/lib/x/merged", bundle_rootfs("/b", "/var/lib/x/merged"));
    EXPECT_EQ("/b/rootfs", bundle_rootfs("/b", ""));
}

// A fake /proc: PID/root is a symlink, as the magic link resolves for the hook.
class ContainerRoot : public ::testing::Test {
protected:
    void SetUp() override {
        std::filesystem::create_directories(dir_ / "proc" / "7");
        std::filesystem::create_directories(dir_ / "namespace" / "bundle" / "rootfs");
    }
    TempTree tree_{"llh-root-test"};
    const std::filesystem::path dir_{tree_.root()};
};

TEST_F(ContainerRoot, after_pivot_root_the_process_root_is_the_rootfs) {
    const auto rootfs = dir_ / "namespace" / "bundle" / "rootfs";
    std::filesystem::create_directory_symlink(rootfs, dir_ / "proc" / "7" / "root");
    auto root = container_root_directory(7, rootfs.string(), (dir_ / "proc").string());
    ASSERT_TRUE(root) << root.error().what();
    EXPECT_EQ((dir_ / "proc" / "7" / "root").string(), *root);
}

TEST_F(ContainerRoot, before_pivot_root_the_rootfs_is_beneath_the_process_root) {
    // The process's "/" is the namespace's; the rootfs is at its host path beneath it: here the
    // host path is the whole absolute path, so the fake process root is "/".
    std::filesystem::create_directory_symlink("/", dir_ / "proc" / "7" / "root");
    const auto rootfs = dir_ / "namespace" / "bundle" / "rootfs";
    auto root = container_root_directory(7, rootfs.string(), (dir_ / "proc").string());
    ASSERT_TRUE(root) << root.error().what();
    EXPECT_EQ((dir_ / "proc" / "7" / "root").string() + rootfs.string(), *root);
}

TEST_F(ContainerRoot, a_root_that_is_neither_is_refused) {
    std::filesystem::create_directories(dir_ / "elsewhere");
    std::filesystem::create_directory_symlink(dir_ / "elsewhere", dir_ / "proc" / "7" / "root");
    auto root =
        container_root_directory(7, (dir_ / "namespace" / "bundle" / "rootfs").string(), (dir_ / "proc").string());
    ASSERT_FALSE(root);
    EXPECT_THAT(root.error().what(), HasSubstr("is neither the rootfs nor above it) (hint: "));
    auto no_pid = container_root_directory(0, "/x");
    ASSERT_FALSE(no_pid);
    EXPECT_THAT(no_pid.error().what(), HasSubstr("the OCI state has no pid"));
}

}  // namespace
}  // namespace llh::test
