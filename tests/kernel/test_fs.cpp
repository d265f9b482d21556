// File-system rights through enforce(), selftest style: one throw-away tree per test, one fork
// per sandboxed case, errno as the verdict.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "native/landlock.hpp"
#include "tests/kernel/support.hpp"
#include "tests/support/require.hpp"

namespace llh::test {
namespace {

// The tree every right is tried in:
//   d/f (file), d/sub/ (empty dir), d/exe (a copy of /usr/bin/true), d/null (char device 1:3),
//   d2/ (second dir, for refer)
struct Tree {
    TempTree tree;
    std::string d, f, sub, exe, null, d2;

    Tree() {
        d = tree.make_dir("d");
        f = tree.make_file("d/f");
        sub = tree.make_dir("d/sub");
        d2 = tree.make_dir("d2");
        exe = tree.path("d/exe");
        null = tree.path("d/null");
        copy_file("/usr/bin/true", exe, 0755);
        if (::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) throw std::runtime_error("mknod d/null");
    }

    static void copy_file(const std::string& from, const std::string& to, mode_t mode) {
        const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
        const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (in < 0 || out < 0) throw std::runtime_error("copy " + from);
        char buffer[65536];
        ssize_t got = 0;
        while ((got = ::read(in, buffer, sizeof buffer)) > 0) {
            if (::write(out, buffer, static_cast<std::size_t>(got)) != got) throw std::runtime_error("copy " + to);
        }
        ::close(in);
        ::close(out);
    }
};

// One row per right: the action that needs it, and what it returns when the right is allowed.
struct RightCase {
    const char* name;
    FsAccess right;
    int denied;   // errno when the right is missing
    int allowed;  // errno (0 = success) when it is granted
    std::function<int(const Tree&)> action;
};

int exec_in_child(const std::string& path) {
    char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
    char* envp[] = {nullptr};
    ::execve(path.c_str(), argv, envp);
    return errno;  // /usr/bin/true exits 0 when execve succeeded
}

int ioctl_fionread(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int pending = 0;
    const int result = errno_of(::ioctl(fd, FIONREAD, &pending));
    ::close(fd);
    return result;
}

const std::vector<RightCase>& right_cases() {
    static const std::vector<RightCase> cases{
        {"execute", fs::execute, EACCES, 0, [](const Tree& t) { return exec_in_child(t.exe); }},
        {"write_file", fs::write_file, EACCES, 0, [](const Tree& t) { return test_open(t.f, O_WRONLY); }},
        {"read_file", fs::read_file, EACCES, 0, [](const Tree& t) { return test_open(t.f, O_RDONLY); }},
        {"read_dir", fs::read_dir, EACCES, 0, [](const Tree& t) { return test_open(t.d, O_RDONLY | O_DIRECTORY); }},
        {"remove_dir", fs::remove_dir, EACCES, 0, [](const Tree& t) { return errno_of(::rmdir(t.sub.c_str())); }},
        {"remove_file", fs::remove_file, EACCES, 0, [](const Tree& t) { return errno_of(::unlink(t.f.c_str())); }},
        {"make_char", fs::make_char, EACCES, 0,
         [](const Tree& t) { return errno_of(::mknod((t.d + "/c").c_str(), S_IFCHR | 0600, makedev(1, 3))); }},
        {"make_dir", fs::make_dir, EACCES, 0,
         [](const Tree& t) { return errno_of(::mkdir((t.d + "/n").c_str(), 0700)); }},
        {"make_reg", fs::make_reg, EACCES, 0,
         [](const Tree& t) { return errno_of(::mknod((t.d + "/r").c_str(), S_IFREG | 0600, 0)); }},
        {"make_sock", fs::make_sock, EACCES, 0,
         [](const Tree& t) { return errno_of(::mknod((t.d + "/s").c_str(), S_IFSOCK | 0600, 0)); }},
        {"make_fifo", fs::make_fifo, EACCES, 0,
         [](const Tree& t) { return errno_of(::mkfifo((t.d + "/p").c_str(), 0600)); }},
        {"make_block", fs::make_block, EACCES, 0,
         [](const Tree& t) { return errno_of(::mknod((t.d + "/b").c_str(), S_IFBLK | 0600, makedev(7, 0))); }},
        {"make_sym", fs::make_sym, EACCES, 0,
         [](const Tree& t) { return errno_of(::symlink("f", (t.d + "/l").c_str())); }},
        // Reparenting across directories: Landlock answers EXDEV so that tools fall back to copying.
        {"refer", fs::refer, EXDEV, 0,
         [](const Tree& t) { return errno_of(::rename(t.f.c_str(), (t.d2 + "/f").c_str())); }},
        {"truncate", fs::truncate, EACCES, 0, [](const Tree& t) { return errno_of(::truncate(t.f.c_str(), 0)); }},
        // /dev/null implements no FIONREAD: allowed, the driver answers ENOTTY; denied, Landlock EACCES.
        {"ioctl_dev", fs::ioctl_dev, EACCES, ENOTTY, [](const Tree& t) { return ioctl_fionread(t.null); }},
    };
    return cases;
}

class FsRight : public ::testing::TestWithParam<RightCase> {};

// Every right is handled; the tree's rule grants all of them but the one under test.
TEST_P(FsRight, DeniedWithoutTheRightAllowedWithIt) {
    const RightCase& row = GetParam();
    LLH_REQUIRE(kernel_abi() >= fs_min_abi(row.right),
                std::string("Landlock ABI ") + std::to_string(fs_min_abi(row.right)) + " for " + row.name);
    Tree denied_tree;
    const FsAccess all = fs_all(kernel_abi());
    const auto denied = run_sandboxed(fs_policy({system_rule(), path_rule(denied_tree.tree.root(), all & ~row.right)}),
                                      [&] { return row.action(denied_tree); });
    ASSERT_EQ("", denied.error);
    EXPECT_EQ(row.denied, denied.code) << row.name << " denied: " << std::strerror(denied.code);

    Tree allowed_tree;
    const auto allowed = run_sandboxed(fs_policy({system_rule(), path_rule(allowed_tree.tree.root(), all)}),
                                       [&] { return row.action(allowed_tree); });
    ASSERT_EQ("", allowed.error);
    EXPECT_EQ(row.allowed, allowed.code) << row.name << " allowed: " << std::strerror(allowed.code);
}

INSTANTIATE_TEST_SUITE_P(Abi7, FsRight, ::testing::ValuesIn(right_cases()),
                         [](const ::testing::TestParamInfo<RightCase>& info) { return std::string(info.param.name); });

TEST(FsEnforce, KernelReportsItsAbi) {
    const LandlockSupport& support = landlock_support();
    LLH_REQUIRE(support.abi >= 1, "Landlock enabled in this kernel");
    EXPECT_EQ(0, support.errno_value);
    EXPECT_EQ(&support, &landlock_support());  // memoized
}

TEST(FsEnforce, OutsideEveryRuleIsDenied) {
    LLH_REQUIRE(kernel_abi() >= 1, "Landlock enabled in this kernel");
    TempTree allowed_tree;
    TempTree other;
    const std::string inside = allowed_tree.make_file("f");
    const std::string outside = other.make_file("f");
    const auto outcome = run_sandboxed(fs_policy({path_rule(allowed_tree.root(), fs::read_file)}), [&] {
        if (const int error = test_open(inside, O_RDONLY); error != 0) return 100 + error;
        return test_open(outside, O_RDONLY);
    });
    ASSERT_EQ("", outcome.error);
    EXPECT_EQ(EACCES, outcome.code);
}

// EXDEV for a rename or link from a rule that allows refer to one that does not.
TEST(FsEnforce, ReferAcrossRulesIsExdev) {
    LLH_REQUIRE(kernel_abi() >= 2, "Landlock ABI 2 for refer");
    const FsAccess all = fs_all(kernel_abi());
    auto attempt = [&](FsAccess second_dir) {
        TempTree tree;
        const std::string a = tree.make_dir("a");
        const std::string b = tree.make_dir("b");
        tree.make_file("a/f1");
        tree.make_file("a/f2");
        return run_sandboxed(fs_policy({path_rule(a, all), path_rule(b, second_dir)}), [&] {
            const int renamed = errno_of(::rename((a + "/f1").c_str(), (b + "/f1").c_str()));
            const int linked = errno_of(::link((a + "/f2").c_str(), (b + "/f2").c_str()));
            return renamed == linked ? renamed : 200;
        });
    };
    const auto without = attempt(all & ~fs::refer);
    ASSERT_EQ("", without.error);
    EXPECT_EQ(EXDEV, without.code);
    const auto with = attempt(all);
    ASSERT_EQ("", with.error);
    EXPECT_EQ(0, with.code);
}

// "rw" on a file means what rw means for a file: masked to file rights, not EINVAL.
TEST(FsEnforce, FileRuleWithDirectoryRightsIsMasked) {
    LLH_REQUIRE(kernel_abi() >= 1, "Landlock enabled in this kernel");
    TempTree tree;
    const std::string file = tree.make_file("f");
    const std::string other = tree.make_file("g");
    const auto outcome = run_sandboxed(fs_policy({path_rule(file, fs_all(kernel_abi()))}), [&] {
        if (const int error = test_open(file, O_RDWR); error != 0) return 100 + error;
        return test_open(other, O_RDONLY);
    });
    EXPECT_EQ("", outcome.error);
    EXPECT_TRUE(outcome.warnings.empty());
    EXPECT_EQ(EACCES, outcome.code);
}

// Two rules on one object (here through a symlink) add up.
TEST(FsEnforce, RulesForTheSameObjectAreOred) {
    LLH_REQUIRE(kernel_abi() >= 1, "Landlock enabled in this kernel");
    TempTree tree;
    const std::string dir = tree.make_dir("d");
    const std::string file = tree.make_file("d/f");
    ASSERT_EQ(0, ::symlink(dir.c_str(), tree.path("alias").c_str()));
    const auto outcome =
        run_sandboxed(fs_policy({path_rule(dir, fs::read_file), path_rule(tree.path("alias"), fs::write_file)}),
                      [&] { return test_open(file, O_RDWR); });
    EXPECT_EQ("", outcome.error);
    EXPECT_EQ(0, outcome.code);
}

TEST(FsEnforce, BestEffortMissingPathWarnsAndStillSandboxes) {
    LLH_REQUIRE(kernel_abi() >= 1, "Landlock enabled in this kernel");
    TempTree tree;
    const std::string file = tree.make_file("f");
    const std::string missing = tree.path("missing");
    const auto outcome = run_sandboxed(
        fs_policy({path_rule(tree.root(), fs::read_file | fs::read_dir), path_rule(missing, fs::read_file, "item 2")},
                  Compat::best_effort),
        [&] {
            if (const int error = test_open(file, O_RDONLY); error != 0) return 100 + error;
            return test_open(file, O_WRONLY);
        });
    EXPECT_EQ("", outcome.error);
    ASSERT_EQ(1U, outcome.warnings.size());
    EXPECT_EQ("item 2: \"" + missing + "\" does not exist: the rule is skipped", outcome.warnings[0]);
    EXPECT_EQ(EACCES, outcome.code);
}

TEST(FsEnforce, HardMissingPathFailsAndRestrictsNothing) {
    LLH_REQUIRE(kernel_abi() >= 1, "Landlock enabled in this kernel");
    TempTree tree;
    const std::string file = tree.make_file("f");
    const std::string missing = tree.path("missing");
    const auto outcome = run_sandboxed(
        fs_policy({path_rule(tree.root(), fs::read_file), path_rule(missing, fs::read_file, "item 2")}, Compat::hard),
        [&] { return test_open(file, O_WRONLY); });
    EXPECT_EQ("item 2: \"" + missing +
                  "\" does not exist (compat:hard): No such file or directory (hint: create it, fix the path, or use "
                  "compat:best-effort to skip missing paths)",
              outcome.error);
    EXPECT_EQ(0, outcome.code);  // not restricted: the write is still allowed
}

// A right newer than the kernel, asked for explicitly: compat:hard refuses, nothing restricted.
TEST(FsEnforce, HardRefusesWhatTheKernelLacks) {
    LLH_REQUIRE(kernel_abi() >= 1 && kernel_abi() < kMaxKnownAbi, "a kernel older than the newest known ABI");
    TempTree tree;
    const std::string file = tree.make_file("f");
    Policy policy = fs_policy({path_rule(tree.root(), fs::read_file)}, Compat::hard);
    policy.abi = kMaxKnownAbi;
    policy.handled_fs = fs_all(kMaxKnownAbi);
    const auto outcome = run_sandboxed(policy, [&] { return test_open(file, O_WRONLY); });
    EXPECT_NE(std::string::npos, outcome.error.find("compat:hard")) << outcome.error;
    EXPECT_EQ(0, outcome.code);

    // Best-effort runs with what the kernel has, still sandboxed.
    policy.options.compat = Compat::best_effort;
    const auto relaxed = run_sandboxed(policy, [&] { return test_open(file, O_WRONLY); });
    EXPECT_EQ("", relaxed.error);
    EXPECT_EQ(EACCES, relaxed.code);
}

// A directory rule covers what is beneath it, however deep.
TEST(FsEnforce, RuleCoversTheHierarchyBeneath) {
    LLH_REQUIRE(kernel_abi() >= 1, "Landlock enabled in this kernel");
    TempTree tree;
    tree.make_dir("a");
    tree.make_dir("a/b");
    const std::string deep = tree.make_file("a/b/f");
    const auto outcome =
        run_sandboxed(fs_policy({path_rule(tree.path("a"), fs::read_file)}), [&] { return test_open(deep, O_RDONLY); });
    EXPECT_EQ("", outcome.error);
    EXPECT_EQ(0, outcome.code);
}

}  // namespace
}  // namespace llh::test

namespace llh::test {
namespace {

// Nothing left to enforce: best-effort says so and restricts nothing; hard refuses.
TEST(FsEnforce, NothingHandledIsNotEnforced) {
    TempTree tree;
    const std::string file = tree.make_file("f");
    Policy policy;
    policy.options.compat = Compat::best_effort;
    policy.options.log = LogMode::off;
    auto relaxed = run_sandboxed(policy, [&] { return test_open(file, O_WRONLY); });
    EXPECT_EQ("", relaxed.error);
    EXPECT_EQ(0, relaxed.code);

    policy.options.compat = Compat::hard;
    auto hard = run_sandboxed(policy, [&] { return test_open(file, O_WRONLY); });
    EXPECT_EQ(0U, hard.error.find("compat:hard: the policy restricts nothing on ")) << hard.error;
    EXPECT_EQ(0, hard.code);
}

TEST(FsEnforce, NothingHandledReportsNone) {
    const int code = run_in_child([] {
        Policy policy;
        auto report = enforce(policy);
        if (!report) return 1;
        return report->compat.enforcement == Enforcement::none ? 0 : 2;
    });
    EXPECT_EQ(0, code);
}

}  // namespace
}  // namespace llh::test
