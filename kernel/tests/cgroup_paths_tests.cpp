// Where a process's cgroup v2 directory is, whatever the layout: unified, hybrid (this host), a
// cgroup namespace's mount of a subtree, mount points with escaped blanks.
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>

#include "kernel/cgroup_paths.hpp"

namespace llh::cgroup {
namespace {

using ::testing::HasSubstr;

// A hybrid host like this one: v1 controllers and the unified hierarchy beside them.
constexpr const char* kHybridCgroup =
    "12:memory:/user.slice\n"
    "1:name=systemd:/user.slice/session-1.scope\n"
    "0::/llh-runc-1-4242\n";

constexpr const char* kHybridMountinfo =
    "24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "27 24 0:25 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "28 27 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw\n"
    "29 27 0:27 / /sys/fs/cgroup/systemd rw,nosuid shared:11 - cgroup cgroup rw,xattr,name=systemd\n";

constexpr const char* kUnifiedMountinfo =
    "22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
    "26 22 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";

TEST(CgroupPaths, TheUnifiedLineIsTheCgroupV2Path) {
    EXPECT_EQ("/llh-runc-1-4242", unified_cgroup_path(kHybridCgroup));
    EXPECT_EQ("", unified_cgroup_path("1:name=systemd:/x\n"));
}

TEST(CgroupPaths, UnifiedAndHybridLayouts) {
    EXPECT_EQ("/sys/fs/cgroup/system.slice/web.service",
              cgroup_directory("/system.slice/web.service", cgroup2_mounts(kUnifiedMountinfo)).value());
    const auto mounts = cgroup2_mounts(kHybridMountinfo);
    ASSERT_EQ(1U, mounts.size());
    EXPECT_EQ("/sys/fs/cgroup/unified", mounts[0].mount_point);
    EXPECT_EQ("/sys/fs/cgroup/unified/llh-runc-1-4242",
              cgroup_directory(unified_cgroup_path(kHybridCgroup), mounts).value());
}

TEST(CgroupPaths, AMountOfASubtreeAndEscapedNames) {
    // A container's view: its mount shows /lxc/c1 of the hierarchy at /sys/fs/cgroup.
    const auto subtree = cgroup2_mounts("40 30 0:23 /lxc/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    EXPECT_EQ("/sys/fs/cgroup/system.slice/a.service",
              cgroup_directory("/lxc/c1/system.slice/a.service", subtree).value());
    EXPECT_FALSE(cgroup_directory("/lxc/c10/system.slice/a.service", subtree));
    // mountinfo escapes blanks; the mount with the longest root that holds the cgroup wins.
    const auto mounts = cgroup2_mounts(
        "40 30 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        "41 30 0:26 /machine.slice /run/my\\040cgroups rw shared:3 - cgroup2 none rw\n");
    ASSERT_EQ(2U, mounts.size());
    EXPECT_EQ("/run/my cgroups", mounts[1].mount_point);
    EXPECT_EQ("/run/my cgroups/libpod-1.scope", cgroup_directory("/machine.slice/libpod-1.scope", mounts).value());
    EXPECT_EQ("/sys/fs/cgroup", cgroup_directory("/", mounts).value());
    // "/machine.slicer" is not beneath "/machine.slice".
    EXPECT_EQ("/sys/fs/cgroup/machine.slicer/x", cgroup_directory("/machine.slicer/x", mounts).value());
}

TEST(CgroupPaths, NoUnifiedLineOrNoMountIsAnErrorWithAHint) {
    auto none = cgroup_directory("", cgroup2_mounts(kHybridMountinfo));
    ASSERT_FALSE(none);
    EXPECT_THAT(none.error().what(), HasSubstr("no cgroup v2 path"));
    auto unmounted = cgroup_directory(
        "/system.slice/web.service",
        cgroup2_mounts("26 22 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"));
    ASSERT_FALSE(unmounted);
    EXPECT_EQ(
        "no cgroup2 mount shows the cgroup /system.slice/web.service (hint: mount cgroup2 (e.g. mount -t cgroup2 "
        "none /sys/fs/cgroup) in this mount namespace)",
        unmounted.error().what());
}

TEST(CgroupPaths, ThisProcessHasACgroupDirectory) {
    auto dir = process_cgroup_directory(::getpid());
    ASSERT_TRUE(dir) << dir.error().what();
    struct stat st {};
    EXPECT_EQ(0, ::stat((*dir + "/cgroup.procs").c_str(), &st)) << *dir;
    EXPECT_FALSE(process_cgroup_directory(0));
}

}  // namespace
}  // namespace llh::cgroup
