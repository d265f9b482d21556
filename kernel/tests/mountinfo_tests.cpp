// /proc/PID/mountinfo parsing: every field landlock-hooks reads, optional fields, escapes, and
// lines that are not a mount.
#include <gtest/gtest.h>

#include "kernel/mountinfo.hpp"

namespace llh {
namespace {

TEST(Mountinfo, TheFieldsOfEachMount) {
    const auto mounts = parse_mountinfo(
        "26 22 0:23 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
        "31 22 0:28 / /sys/fs/bpf rw,nosuid shared:12 master:1 - bpf bpf rw,mode=700\n"
        "41 30 0:26 /machine.slice /run/my\\040cgroups\\134x rw - cgroup2 none rw\n");
    ASSERT_EQ(3U, mounts.size());
    EXPECT_EQ("/", mounts[0].root);
    EXPECT_EQ("/sys/fs/cgroup", mounts[0].mount_point);
    EXPECT_EQ("cgroup2", mounts[0].fstype);
    EXPECT_EQ("rw,nsdelegate", mounts[0].super_options);
    EXPECT_EQ("bpf", mounts[1].fstype);  // two optional fields before the separator
    EXPECT_EQ("rw,mode=700", mounts[1].super_options);
    EXPECT_EQ("/machine.slice", mounts[2].root);
    EXPECT_EQ("/run/my cgroups\\x", mounts[2].mount_point);
    EXPECT_EQ("none", mounts[2].source);
}

TEST(Mountinfo, LinesThatAreNotAMountAreSkipped) {
    EXPECT_TRUE(parse_mountinfo("").empty());
    EXPECT_TRUE(parse_mountinfo("garbage\n26 22 0:23 / /x rw\n26 22 0:23 / - cgroup2\n").empty());
    // A backslash that starts no octal escape stays as it is.
    EXPECT_EQ("/a\\9b", parse_mountinfo("1 0 0:1 / /a\\9b rw - tmpfs tmpfs rw\n").at(0).mount_point);
}

}  // namespace
}  // namespace llh
