// The access model: every right's bit and ABI, the landlockconfig groups per ABI, names.
#include <gtest/gtest.h>

#include <cerrno>

#include "libpolicy/access.hpp"
#include "libpolicy/diagnostics.hpp"
#include "libpolicy/result.hpp"

namespace llh {
namespace {

// The file-system rights each ABI adds (kernel UAPI history).
constexpr FsAccess kFsAbi1 = (1ULL << 13) - 1;
constexpr FsAccess kFsByAbi[] = {0,
                                 kFsAbi1,
                                 kFsAbi1 | fs::refer,
                                 kFsAbi1 | fs::refer | fs::truncate,
                                 kFsAbi1 | fs::refer | fs::truncate,
                                 kFsAbi1 | fs::refer | fs::truncate | fs::ioctl_dev,
                                 kFsAbi1 | fs::refer | fs::truncate | fs::ioctl_dev,
                                 kFsAbi1 | fs::refer | fs::truncate | fs::ioctl_dev,
                                 kFsAbi1 | fs::refer | fs::truncate | fs::ioctl_dev,
                                 kFsAbi1 | fs::refer | fs::truncate | fs::ioctl_dev | fs::resolve_unix};

TEST(AccessModel, FsAllPerAbi) {
    for (int abi = 0; abi <= kMaxKnownAbi; ++abi) EXPECT_EQ(kFsByAbi[abi], fs_all(abi)) << "abi " << abi;
    EXPECT_EQ(0U, fs_all(-3));
    EXPECT_EQ(fs_all(kMaxKnownAbi), fs_all(42));  // clamped
}

TEST(AccessModel, GroupsPerAbi) {
    for (int abi = 1; abi <= kMaxKnownAbi; ++abi) {
        const FsAccess rx = fs::execute | fs::read_file | fs::read_dir | (abi >= 2 ? fs::refer : 0);
        EXPECT_EQ(rx, fs_read_execute(abi)) << "abi " << abi;
        EXPECT_EQ(kFsByAbi[abi] & ~fs::execute, fs_read_write(abi)) << "abi " << abi;
        EXPECT_EQ(fs_all(abi), fs_read_execute(abi) | fs_read_write(abi)) << "abi " << abi;
    }
}

TEST(AccessModel, NetAndScopesPerAbi) {
    for (int abi = 0; abi <= kMaxKnownAbi; ++abi) {
        EXPECT_EQ(abi >= 4 ? (net::bind_tcp | net::connect_tcp) : 0U, net_all(abi)) << abi;
        EXPECT_EQ(abi >= 6 ? (scope::abstract_unix_socket | scope::signal) : 0U, scopes_all(abi)) << abi;
    }
}

TEST(AccessModel, BitsAreTheKernelUapi) {
    EXPECT_EQ(1ULL << 14, fs::truncate);
    EXPECT_EQ(1ULL << 15, fs::ioctl_dev);
    EXPECT_EQ(1ULL << 16, fs::resolve_unix);
    EXPECT_EQ(fs::execute | fs::write_file | fs::read_file | fs::truncate | fs::ioctl_dev | fs::resolve_unix,
              kFsFileRights);
}

TEST(AccessModel, LookupsByName) {
    for (const auto& right : kFsRights) EXPECT_EQ(right.bit, fs_right_by_name(right.name)) << right.name;
    EXPECT_EQ(net::connect_tcp, net_right_by_name("connect_tcp"));
    EXPECT_EQ(scope::signal, scope_by_name("signal"));
    EXPECT_FALSE(fs_right_by_name("make_teleport"));
    EXPECT_FALSE(fs_right_by_name("bind_tcp"));
    EXPECT_FALSE(net_right_by_name("read_file"));
    EXPECT_FALSE(scope_by_name(""));
}

TEST(AccessModel, Names) {
    EXPECT_EQ("none", fs_names(0));
    EXPECT_EQ("execute, read_file, read_dir", fs_names(fs_read_execute(1)));
    EXPECT_EQ("bind_tcp, connect_tcp", net_names(net_all(4)));
    EXPECT_EQ("abstract_unix_socket, signal", scope_names(scopes_all(6)));
    EXPECT_EQ("read_file, unknown(0x100000)", fs_names(fs::read_file | (1ULL << 20)));
}

TEST(AccessModel, MinAbi) {
    EXPECT_EQ(0, fs_min_abi(0));
    EXPECT_EQ(1, fs_min_abi(fs::read_file));
    EXPECT_EQ(3, fs_min_abi(fs::read_file | fs::truncate));
    EXPECT_EQ(9, fs_min_abi(fs_all(9)));
    EXPECT_EQ(4, net_min_abi(net::bind_tcp));
    EXPECT_EQ(6, scopes_min_abi(scope::signal));
    for (const auto& right : kFsRights) EXPECT_EQ(right.abi, fs_min_abi(right.bit)) << right.name;
}

TEST(AccessModel, RightsForObject) {
    EXPECT_EQ(fs::read_file | fs::execute, rights_for_object(fs_read_execute(2), false));
    EXPECT_EQ(fs_read_execute(2), rights_for_object(fs_read_execute(2), true));
}

TEST(AccessResult, WhatJoinsContextOutermostFirst) {
    Error error{ENOENT, "\"/nonexistent\" does not exist", "check the path", {}};
    error = std::move(error).with_context("io.landlock.rules").with_context("container 3f2a");
    EXPECT_EQ("container 3f2a: io.landlock.rules: \"/nonexistent\" does not exist: No such file or directory "
              "(hint: check the path)",
              error.what());
    EXPECT_EQ("plain", (Error{0, "plain", "", {}}.what()));
}

TEST(AccessResult, FailHelpers) {
    Result<int> failed = fail("bad", "fix it");
    ASSERT_FALSE(failed);
    EXPECT_EQ(0, failed.error().errno_value);
    EXPECT_EQ("bad (hint: fix it)", failed.error().what());
    Result<int> sys = fail_errno(EACCES, "open \"/x\"");
    ASSERT_FALSE(sys);
    EXPECT_EQ(EACCES, sys.error().errno_value);
    EXPECT_EQ("open \"/x\": Permission denied", sys.error().what());
}

TEST(AccessDiagnostics, FormatAndCollect) {
    Diagnostics diagnostics;
    EXPECT_FALSE(diagnostics.has_errors());
    diagnostics.warning("a.toml:3 (variable[0])", "unused", "remove it");
    EXPECT_FALSE(diagnostics.has_errors());
    diagnostics.error("a.json: /abi", "bad abi");
    EXPECT_TRUE(diagnostics.has_errors());
    EXPECT_EQ("a.toml:3 (variable[0]): warning: unused (hint: remove it)\n"
              "a.json: /abi: error: bad abi\n",
              diagnostics.format());
    Diagnostics more;
    more.error("", "no where");
    more.append(diagnostics);
    more.append(more);
    ASSERT_EQ(6U, more.all().size());
    EXPECT_EQ("error: no where", more.all()[0].format());
}

}  // namespace
}  // namespace llh
