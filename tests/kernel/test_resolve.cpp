// open_in_root(): whatever a workload's tree holds ("..", absolute or relative symlinks that
// point outside, magic links), resolution stays beneath the root.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "libpolicy/resolve.hpp"
#include "tests/kernel/support.hpp"

namespace llh::test {
namespace {

std::pair<dev_t, ino_t> identity(int fd) {
    struct stat status {};
    if (::fstat(fd, &status) != 0) throw std::runtime_error("fstat");
    return {status.st_dev, status.st_ino};
}

std::pair<dev_t, ino_t> identity(const std::string& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) throw std::runtime_error("stat " + path);
    return {status.st_dev, status.st_ino};
}

// A workload root: R/etc/passwd (its own), and links that try to leave it.
class Resolve : public ::testing::Test {
protected:
    void SetUp() override {
        tree_.make_dir("etc");
        tree_.make_file("etc/passwd", "inside\n");
        tree_.make_dir("a");
        tree_.make_dir("a/b");
        ASSERT_EQ(0, ::symlink("/etc", tree_.path("abs").c_str()));
        ASSERT_EQ(0, ::symlink("../../../../../../../etc", tree_.path("a/b/rel").c_str()));
        ASSERT_EQ(0, ::symlink("/proc/self/root/etc", tree_.path("magic").c_str()));
        auto opened = open_root(tree_.root());
        ASSERT_TRUE(opened) << opened.error().what();
        root_ = std::move(*opened);
        inside_etc_ = identity(tree_.path("etc"));
    }

    void expect_inside_etc(const std::string& path) {
        auto resolved = open_in_root(root_.get(), path);
        ASSERT_TRUE(resolved) << path << ": " << resolved.error().what();
        EXPECT_TRUE(resolved->is_directory);
        EXPECT_EQ(inside_etc_, identity(resolved->fd.get())) << path << " left the root";
        EXPECT_NE(identity("/etc"), identity(resolved->fd.get()));
    }

    TempTree tree_;
    UniqueFd root_;
    std::pair<dev_t, ino_t> inside_etc_;
};

TEST_F(Resolve, PlainPath) {
    expect_inside_etc("/etc");
}

TEST_F(Resolve, DotDotStopsAtTheRoot) {
    expect_inside_etc("/../../../etc");
}

TEST_F(Resolve, AbsoluteSymlinkStaysInside) {
    expect_inside_etc("/abs");
}

TEST_F(Resolve, RelativeSymlinkStaysInside) {
    expect_inside_etc("/a/b/rel");
}

// /proc/self/root would lead back to the host's "/": inside the root there is no /proc, so the
// walk ends there rather than on the host.
TEST_F(Resolve, MagicLinkPathStaysInside) {
    auto resolved = open_in_root(root_.get(), "/magic/passwd");
    ASSERT_FALSE(resolved);
    EXPECT_EQ(ENOENT, resolved.error().errno_value);
}

// A real magic link on the way is refused outright, not followed.
TEST_F(Resolve, MagicLinkIsRefused) {
    auto resolved = open_in_root(AT_FDCWD, "/proc/self/root/etc");
    ASSERT_FALSE(resolved);
    EXPECT_EQ(ELOOP, resolved.error().errno_value);
    EXPECT_EQ(
        "cannot open \"/proc/self/root/etc\": Too many levels of symbolic links (hint: the path goes through a "
        "magic link such as /proc/self/root or too many symlinks)",
        resolved.error().what());
}

TEST_F(Resolve, FileIsNotADirectory) {
    auto resolved = open_in_root(root_.get(), "/etc/passwd");
    ASSERT_TRUE(resolved) << resolved.error().what();
    EXPECT_FALSE(resolved->is_directory);
    EXPECT_EQ(identity(tree_.path("etc/passwd")), identity(resolved->fd.get()));
    // O_PATH: the fd can name the file but not read it.
    char byte = 0;
    EXPECT_EQ(-1, ::read(resolved->fd.get(), &byte, 1));
    EXPECT_EQ(EBADF, errno);
    EXPECT_EQ(FD_CLOEXEC, ::fcntl(resolved->fd.get(), F_GETFD));
}

TEST_F(Resolve, MissingPathIsEnoent) {
    auto resolved = open_in_root(root_.get(), "/nonexistent");
    ASSERT_FALSE(resolved);
    EXPECT_EQ(ENOENT, resolved.error().errno_value);
    EXPECT_EQ("cannot open \"/nonexistent\": No such file or directory (hint: create it or fix the path)",
              resolved.error().what());
}

TEST_F(Resolve, RelativePathIsRefused) {
    auto resolved = open_in_root(root_.get(), "etc");
    ASSERT_FALSE(resolved);
    EXPECT_EQ(EINVAL, resolved.error().errno_value);
}

TEST_F(Resolve, OwnRootWithAtFdcwd) {
    auto resolved = open_in_root(AT_FDCWD, tree_.path("etc"));
    ASSERT_TRUE(resolved) << resolved.error().what();
    EXPECT_EQ(inside_etc_, identity(resolved->fd.get()));
    EXPECT_TRUE(resolved->is_directory);
}

// What systemd's RestrictSUIDSGID= does to openat2(2), whose mode it cannot inspect: ENOSYS.
void refuse_openat2_like_systemd() {
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        ::_exit(99);
    }
}

// In its own root the caller falls back to openat(2): a hardened unit's launcher still starts.
TEST_F(Resolve, OwnRootWithoutOpenat2FallsBack) {
    const std::string path = tree_.path("etc");
    const auto expected = inside_etc_;
    EXPECT_EQ(0, run_in_child([&] {
        refuse_openat2_like_systemd();
        auto resolved = open_in_root(AT_FDCWD, path);
        return resolved && identity(resolved->fd.get()) == expected && resolved->is_directory ? 0 : 1;
    }));
}

// Beneath a workload's root there is no fallback: openat(2) could not keep a symlink inside.
TEST_F(Resolve, WorkloadRootWithoutOpenat2IsRefused) {
    const int root = root_.get();
    EXPECT_EQ(ENOSYS, run_in_child([&] {
        refuse_openat2_like_systemd();
        auto resolved = open_in_root(root, "/etc");
        return resolved ? 0 : resolved.error().errno_value;
    }));
}

TEST_F(Resolve, RootMustBeADirectory) {
    auto opened = open_root(tree_.path("etc/passwd"));
    ASSERT_FALSE(opened);
    EXPECT_EQ(ENOTDIR, opened.error().errno_value);
}

}  // namespace
}  // namespace llh::test
