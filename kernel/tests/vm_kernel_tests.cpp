// cgroup mode's loader for real, in the BPF LSM guest (kernel/vm/guest-tests.list): Enforcer::open()
// loads and pins the programs once, attach() turns policies into map entries that the programs
// enforce on every task of a cgroup, detach()/collect() remove exactly what they should, and
// concurrent callers and program upgrades keep every attachment. Each sandboxed case is a child
// moved into the cgroup, as in the kernel's Landlock selftests; the result is its errno.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/types.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kernel/bpf_lsm_probe.hpp"
#include "kernel/cgroup_dir.hpp"
#include "kernel/cgroup_enforcer.hpp"
#include "kernel/llh_bpf_abi.h"
#include "kernel/pins.hpp"
#include "kernel/tests/vm_support.hpp"
#include "launch/ctl_cgroup.hpp"
#include "native/landlock.hpp"
#include "tests/kernel/support.hpp"
#include "tests/support/require.hpp"

namespace llh::test {
namespace {

using cgroup::AttachRequest;
using cgroup::Enforcer;

constexpr FsAccess kRead = fs::read_file | fs::read_dir;

Policy cgroup_policy(std::vector<PathRule> rules, Compat compat = Compat::hard) {
    Policy policy;
    policy.handled_fs = fs_all(cgroup::kCgroupModeAbi);
    policy.paths = std::move(rules);
    policy.options.compat = compat;
    return policy;
}

std::unique_ptr<Enforcer> open_enforcer(const cgroup::OpenOptions& options = {}) {
    auto enforcer = Enforcer::open(options);
    if (!enforcer) {
        ADD_FAILURE() << enforcer.error().what();
        return nullptr;
    }
    return std::move(*enforcer);
}

class CgroupMode : public ::testing::Test {
protected:
    void SetUp() override {
        const BpfLsmProbe& probe = probe_bpf_lsm();
        LLH_REQUIRE(probe.available == Availability::yes, "BPF LSM is not available: " + probe.reason);
        root_ = cgroup2_root();
        LLH_REQUIRE(!root_.empty(), "no cgroup2 root");
        // A program set the verifier refuses can take minutes to say so under TCG: ask once.
        static std::string first_error;
        ASSERT_EQ("", first_error) << "Enforcer::open() failed in an earlier test";
        auto opened = Enforcer::open();
        if (!opened) first_error = opened.error().what();
        ASSERT_TRUE(opened) << first_error;
        enforcer_ = std::move(*opened);
        allowed_ = tree_.make_dir("allowed");
        denied_ = tree_.make_dir("denied");
        other_ = tree_.make_dir("other");
        tree_.make_file("allowed/file");
        tree_.make_file("denied/file");
        tree_.make_file("other/file");
        baseline_fs_ = map_size("llh_fs_rules");
        baseline_domains_ = map_size("llh_domains");
    }

    void TearDown() override {
        if (!enforcer_) return;
        // Nothing a test attached may stay behind.
        EXPECT_EQ(baseline_domains_, map_size("llh_domains"));
        EXPECT_EQ(baseline_fs_, map_size("llh_fs_rules"));
    }

    std::string name(const std::string& what) const { return "llh-vm-" + what + "-" + std::to_string(::getpid()); }

    cgroup::AttachReport attach(const std::string& cgroup, const Policy& policy) {
        auto report = enforcer_->attach(AttachRequest{cgroup, ""}, policy);
        EXPECT_TRUE(report) << (report ? "" : report.error().what());
        return report ? *report : cgroup::AttachReport{};
    }

    void detach(const std::string& cgroup) {
        auto detached = enforcer_->detach(cgroup);
        EXPECT_TRUE(detached) << (detached ? "" : detached.error().what());
    }

    // The errno of opening `path` read-only from a child in `cgroup` (0 = allowed).
    int open_in(const std::string& cgroup, const std::string& path) {
        return run_in_cgroup(cgroup, [&] { return test_open(path, O_RDONLY | O_CLOEXEC); });
    }

    TempTree tree_;
    std::string root_, allowed_, denied_, other_;
    std::unique_ptr<Enforcer> enforcer_;
    std::size_t baseline_fs_ = 0, baseline_domains_ = 0;
};

TEST_F(CgroupMode, OpenTwiceReusesThePins) {
    const auto first_links = pinned_link_ids();
    ASSERT_FALSE(first_links.empty());
    EXPECT_EQ(first_links.size(), enforcer_->info().links);
    auto second = open_enforcer();
    ASSERT_NE(nullptr, second);
    EXPECT_FALSE(second->info().loaded);
    EXPECT_EQ(enforcer_->info().program_hash, second->info().program_hash);
    EXPECT_EQ(first_links, pinned_link_ids());  // the same links, not new ones
    for (const char* map : {"llh_domains", "llh_fs_rules", "llh_net_rules", "llh_identify"}) {
        EXPECT_EQ(0, ::access((std::string(LLH_PIN_ROOT) + "/maps/" + map).c_str(), F_OK)) << map;
    }
}

TEST_F(CgroupMode, OpenMountsBpffsWhereItIsMissing) {
    // A private mount namespace without /sys/fs/bpf: open() mounts a fresh bpffs and loads there.
    // The namespace's bpffs, its pins and so its links go when the child exits.
    const int code = run_in_child([] {
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 10;
        if (::umount2("/sys/fs/bpf", MNT_DETACH) != 0) return 11;
        auto enforcer = Enforcer::open();
        if (!enforcer) {
            std::fprintf(stderr, "%s\n", enforcer.error().what().c_str());
            return 12;
        }
        return (*enforcer)->info().mounted_bpffs && (*enforcer)->info().loaded ? 0 : 13;
    });
    EXPECT_EQ(0, code);
    EXPECT_FALSE(pinned_link_ids().empty());  // the host namespace's pins are untouched
}

TEST_F(CgroupMode, ATaskInTheCgroupReadsOnlyWhatTheRulesAllow) {
    TestCgroup cg(root_, name("basic"));
    const auto report = attach(cg.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    EXPECT_NE(0U, report.policy_id);
    EXPECT_EQ(1U, report.fs_rules);
    EXPECT_FALSE(report.replaced);
    EXPECT_EQ(Enforcement::full, report.compat.enforcement);
    EXPECT_EQ(1U, fs_rules_of(report.policy_id));
    EXPECT_TRUE(has_domain(report.cgroup_id));

    EXPECT_EQ(0, open_in(cg.path(), allowed_ + "/file"));
    EXPECT_EQ(0, open_in(cg.path(), allowed_));
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));
    EXPECT_EQ(EACCES, open_in(cg.path(), tree_.root()));
    // Outside the cgroup nothing changes.
    EXPECT_EQ(0, run_in_child([&] { return test_open(denied_ + "/file", O_RDONLY); }));

    // status() names the cgroup and counts its rules.
    auto listed = enforcer_->status();
    ASSERT_TRUE(listed) << listed.error().what();
    const auto it = std::find_if(listed->begin(), listed->end(),
                                 [&](const cgroup::Attachment& a) { return a.cgroup_id == report.cgroup_id; });
    ASSERT_NE(listed->end(), it);
    EXPECT_EQ(cg.path(), it->cgroup_dir);
    EXPECT_EQ(report.policy_id, it->policy_id);
    EXPECT_EQ(1U, it->fs_rules);
    EXPECT_EQ(1U, it->cgroup_level);
    detach(cg.path());
    EXPECT_EQ(0, open_in(cg.path(), denied_ + "/file"));
}

// The loader learns the rules' inodes LLH_IDENTIFY_BATCH at a time: every rule of a longer policy
// holds, the first and the last of each batch alike, and nothing unnamed is let through.
TEST_F(CgroupMode, MoreRulesThanOneIdentifyBatchAllHold) {
    TestCgroup cg(root_, name("many-rules"));
    const int count = 2 * LLH_IDENTIFY_BATCH + 3;
    std::vector<PathRule> rules;
    std::vector<std::string> dirs;
    tree_.make_dir("many");
    for (int i = 0; i < count; ++i) {
        dirs.push_back(tree_.make_dir("many/" + std::to_string(i)));
        tree_.make_file("many/" + std::to_string(i) + "/file");
        rules.push_back(path_rule(dirs.back(), kRead));
    }
    const auto report = attach(cg.path(), cgroup_policy(rules));
    EXPECT_EQ(static_cast<std::size_t>(count), report.fs_rules);
    for (int i = 0; i < count; ++i) EXPECT_EQ(0, open_in(cg.path(), dirs[i] + "/file")) << "rule " << i;
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));
    detach(cg.path());
}

// A container runtime's init is in the cgroup when the createRuntime hook attaches, and still
// has work to do before it execs the container's process: with until_exec the policy holds from
// the first completed execve in the cgroup on, for that program and every task of the cgroup.
TEST_F(CgroupMode, UntilExecHoldsFromTheFirstExecInTheCgroup) {
    TestCgroup cg(root_, name("until-exec"));
    const std::string denied = denied_ + "/file";
    std::uint64_t cgroup_id = 0;
    // Like runc init: in the cgroup first, then told to go on, then exec.
    const int status = run_in_cgroup_around(
        cg.path(), [] { return 0; },
        [&] {
            auto report =
                enforcer_->attach(AttachRequest{cg.path(), "", true}, cgroup_policy({path_rule(allowed_, kRead)}));
            ASSERT_TRUE(report) << report.error().what();
            cgroup_id = report->cgroup_id;
            auto listed = enforcer_->status();
            ASSERT_TRUE(listed) << listed.error().what();
            const auto it = std::find_if(listed->begin(), listed->end(),
                                         [&](const cgroup::Attachment& a) { return a.cgroup_id == cgroup_id; });
            ASSERT_NE(listed->end(), it);
            EXPECT_TRUE(it->waiting_for_exec);
        },
        [&] {
            // Before its exec the runtime's init is not held: this open works.
            if (test_open(denied, O_RDONLY | O_CLOEXEC) != 0) return 203;
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, STDERR_FILENO);
            ::execl("/bin/busybox", "cat", denied.c_str(), static_cast<char*>(nullptr));
            return 204;
        });
    ASSERT_NE(0U, cgroup_id);
    // busybox cat, the first program exec'd in the cgroup, is held: it cannot read the file.
    EXPECT_EQ(1, status);
    // From then on every task of the cgroup is, exec or not.
    EXPECT_EQ(EACCES, open_in(cg.path(), denied));
    EXPECT_EQ(0, open_in(cg.path(), allowed_ + "/file"));
    auto listed = enforcer_->status();
    ASSERT_TRUE(listed) << listed.error().what();
    for (const auto& attachment : *listed) {
        if (attachment.cgroup_id == cgroup_id) {
            EXPECT_FALSE(attachment.waiting_for_exec);
        }
    }
    detach(cg.path());
}

// The programs remember per cgroup that no domain is above it (tasks outside every sandbox pay
// one lookup per hook); an attach must reach a task whose cgroup they remember so, in the attached
// cgroup or below it, from its next access on.
TEST_F(CgroupMode, ATaskThatOpenedFilesBeforeTheAttachIsHeldRightAfterIt) {
    TestCgroup outer(root_, name("remembered"));
    TestCgroup inner(outer.path(), "child");
    const std::string denied = denied_ + "/file";
    const auto open_denied = [&] { return test_open(denied, O_RDONLY | O_CLOEXEC); };
    for (const TestCgroup* attached : {&inner, &outer}) {
        const int status = run_in_cgroup_around(
            inner.path(), open_denied,
            [&] { attach(attached->path(), cgroup_policy({path_rule(allowed_, kRead)})); }, open_denied);
        EXPECT_EQ(EACCES, status) << "attached to " << attached->path();
        detach(attached->path());
    }
}

// The programs also remember which ancestor levels of a sandboxed cgroup have a domain, and look
// up only those: a policy attached later on another level must be a layer from the next access on.
TEST_F(CgroupMode, ALayerAttachedAboveASandboxedTaskHoldsRightAfterIt) {
    TestCgroup outer(root_, name("layer-above"));
    TestCgroup inner(outer.path(), "child");
    attach(inner.path(), cgroup_policy({path_rule(allowed_, kRead), path_rule(other_, kRead)}));
    const std::string other = other_ + "/file";
    const int status = run_in_cgroup_around(
        inner.path(), [&] { return test_open(other, O_RDONLY | O_CLOEXEC); },
        [&] { attach(outer.path(), cgroup_policy({path_rule(allowed_, kRead)})); },
        [&] {
            // Both layers now: what the outer one does not allow is denied.
            const int allowed = test_open(allowed_ + "/file", O_RDONLY | O_CLOEXEC);
            const int denied = test_open(other, O_RDONLY | O_CLOEXEC);
            return allowed == 0 && denied == EACCES ? 0 : 100 + denied;
        });
    EXPECT_EQ(0, status) << "status 100 + the errno of the open the outer layer denies (100: it was allowed)";
    detach(outer.path());
    // And a level whose domain went away costs a lookup, not the inner layer.
    EXPECT_EQ(0, open_in(inner.path(), other));
    EXPECT_EQ(EACCES, open_in(inner.path(), denied_ + "/file"));
    detach(inner.path());
}

TEST_F(CgroupMode, DescendantCgroupsAreCoveredToo) {
    TestCgroup outer(root_, name("parent"));
    TestCgroup inner(outer.path(), "child");
    attach(outer.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    EXPECT_EQ(0, open_in(inner.path(), allowed_ + "/file"));
    EXPECT_EQ(EACCES, open_in(inner.path(), denied_ + "/file"));
    detach(outer.path());
}

TEST_F(CgroupMode, NestedPoliciesAreLayersAndDenyWins) {
    TestCgroup outer(root_, name("outer"));
    TestCgroup inner(outer.path(), "inner");
    attach(outer.path(), cgroup_policy({path_rule(allowed_, kRead), path_rule(denied_, kRead)}));
    attach(inner.path(), cgroup_policy({path_rule(denied_, kRead), path_rule(other_, kRead)}));
    // Outer layer only.
    EXPECT_EQ(0, open_in(outer.path(), allowed_ + "/file"));
    EXPECT_EQ(0, open_in(outer.path(), denied_ + "/file"));
    EXPECT_EQ(EACCES, open_in(outer.path(), other_ + "/file"));
    // Both layers: only what both allow.
    EXPECT_EQ(EACCES, open_in(inner.path(), allowed_ + "/file"));
    EXPECT_EQ(0, open_in(inner.path(), denied_ + "/file"));
    EXPECT_EQ(EACCES, open_in(inner.path(), other_ + "/file"));
    detach(inner.path());
    detach(outer.path());
}

TEST_F(CgroupMode, ReplacingSwapsThePolicyAndDeletesTheOldRules) {
    TestCgroup cg(root_, name("replace"));
    const auto first = attach(cg.path(), cgroup_policy({path_rule(allowed_, kRead), path_rule(other_, kRead)}));
    EXPECT_EQ(2U, fs_rules_of(first.policy_id));
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));

    const auto second = attach(cg.path(), cgroup_policy({path_rule(denied_, kRead)}));
    EXPECT_TRUE(second.replaced);
    EXPECT_NE(first.policy_id, second.policy_id);
    EXPECT_EQ(0U, fs_rules_of(first.policy_id));
    EXPECT_EQ(1U, fs_rules_of(second.policy_id));
    EXPECT_EQ(0, open_in(cg.path(), denied_ + "/file"));
    EXPECT_EQ(EACCES, open_in(cg.path(), allowed_ + "/file"));
    EXPECT_EQ(baseline_domains_ + 1, map_size("llh_domains"));
    detach(cg.path());
}

TEST_F(CgroupMode, DetachRemovesExactlyOneCgroupsPolicy) {
    TestCgroup a(root_, name("detach-a"));
    TestCgroup b(root_, name("detach-b"));
    const auto in_a = attach(a.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    const auto in_b = attach(b.path(), cgroup_policy({path_rule(allowed_, kRead), path_rule(other_, kRead)}));
    auto detached = enforcer_->detach(a.path());
    ASSERT_TRUE(detached) << detached.error().what();
    EXPECT_TRUE(*detached);
    EXPECT_FALSE(has_domain(in_a.cgroup_id));
    EXPECT_EQ(0U, fs_rules_of(in_a.policy_id));
    EXPECT_TRUE(has_domain(in_b.cgroup_id));
    EXPECT_EQ(2U, fs_rules_of(in_b.policy_id));
    EXPECT_EQ(0, open_in(a.path(), denied_ + "/file"));
    EXPECT_EQ(EACCES, open_in(b.path(), denied_ + "/file"));
    // A second detach finds nothing.
    auto again = enforcer_->detach(a.path());
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again);
    detach(b.path());
}

bool listed_in_status(Enforcer& enforcer, std::uint64_t cgroup_id) {
    auto listed = enforcer.status();
    EXPECT_TRUE(listed) << (listed ? "" : listed.error().what());
    return listed && std::any_of(listed->begin(), listed->end(),
                                 [&](const cgroup::Attachment& a) { return a.cgroup_id == cgroup_id; });
}

TEST_F(CgroupMode, ARemovedCgroupLosesItsDomainAtOnceAndCollectDropsItsRules) {
    TestCgroup kept(root_, name("kept"));
    TestCgroup gone(root_, name("gone"));
    const auto in_kept = attach(kept.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    const auto in_gone = attach(gone.path(), cgroup_policy({path_rule(allowed_, kRead), path_rule(other_, kRead)}));
    EXPECT_TRUE(listed_in_status(*enforcer_, in_gone.cgroup_id));
    gone.remove();
    // The cgroup_rmdir program dropped the domain: no loader ran, status() no longer lists it.
    EXPECT_FALSE(listed_in_status(*enforcer_, in_gone.cgroup_id));
    EXPECT_FALSE(has_domain(in_gone.cgroup_id));
    EXPECT_EQ(2U, fs_rules_of(in_gone.policy_id));  // the rules wait for the loader

    auto collected = enforcer_->collect();
    ASSERT_TRUE(collected) << collected.error().what();
    EXPECT_EQ(1U, *collected);
    EXPECT_FALSE(has_domain(in_gone.cgroup_id));
    EXPECT_EQ(0U, fs_rules_of(in_gone.policy_id));
    EXPECT_TRUE(has_domain(in_kept.cgroup_id));
    EXPECT_EQ(1U, fs_rules_of(in_kept.policy_id));
    detach(kept.path());
}

TEST_F(CgroupMode, DetachByIdWorksBeforeAndAfterTheCgroupIsRemoved) {
    TestCgroup live(root_, name("by-id-live"));
    const auto in_live = attach(live.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    auto detached = enforcer_->detach_id(in_live.cgroup_id);
    ASSERT_TRUE(detached) << detached.error().what();
    EXPECT_TRUE(*detached);
    EXPECT_FALSE(has_domain(in_live.cgroup_id));
    EXPECT_EQ(0U, fs_rules_of(in_live.policy_id));
    EXPECT_EQ(0, open_in(live.path(), denied_ + "/file"));

    // A container's poststop: the runtime removed the cgroup before the hook runs.
    TestCgroup gone(root_, name("by-id-gone"));
    const auto in_gone = attach(gone.path(), cgroup_policy({path_rule(allowed_, kRead), path_rule(other_, kRead)}));
    gone.remove();
    detached = enforcer_->detach_id(in_gone.cgroup_id);
    ASSERT_TRUE(detached) << detached.error().what();
    EXPECT_TRUE(*detached);
    EXPECT_FALSE(has_domain(in_gone.cgroup_id));
    EXPECT_EQ(0U, fs_rules_of(in_gone.policy_id));
    EXPECT_EQ(0U, map_size("llh_orphans"));
    auto again = enforcer_->detach_id(in_gone.cgroup_id);
    ASSERT_TRUE(again) << again.error().what();
    EXPECT_FALSE(*again);
    // And the directory form of a removed cgroup says where it failed.
    auto by_dir = enforcer_->detach(gone.path());
    ASSERT_FALSE(by_dir);
    EXPECT_NE(std::string::npos, by_dir.error().what().find(gone.path())) << by_dir.error().what();
}

TEST_F(CgroupMode, TheNextAttachDeletesTheRulesOfRemovedCgroups) {
    TestCgroup gone(root_, name("sweep-gone"));
    TestCgroup next(root_, name("sweep-next"));
    const auto in_gone = attach(gone.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    gone.remove();
    EXPECT_EQ(1U, fs_rules_of(in_gone.policy_id));
    attach(next.path(), cgroup_policy({path_rule(other_, kRead)}));
    EXPECT_EQ(0U, fs_rules_of(in_gone.policy_id));
    EXPECT_EQ(0U, map_size("llh_orphans"));
    detach(next.path());
}

TEST_F(CgroupMode, PortRulesAndScopesAreWritten) {
    TestCgroup cg(root_, name("net"));
    Policy policy = cgroup_policy({path_rule(allowed_, kRead)});
    policy.handled_net = net::bind_tcp | net::connect_tcp;
    policy.scoped = scope::signal;
    policy.ports = {{8080, net::bind_tcp, "bind:8080"}, {443, net::connect_tcp, "connect:443"}};
    const auto report = attach(cg.path(), policy);
    EXPECT_EQ(2U, report.net_rules);
    EXPECT_EQ(2U, net_rules_of(report.policy_id));
    detach(cg.path());
    EXPECT_EQ(0U, net_rules_of(report.policy_id));
}

// --- refused inputs leave nothing -----------------------------------------------------------------

TEST_F(CgroupMode, AMissingPathUnderCompatHardIsRefusedAndTheOldPolicyStays) {
    TestCgroup cg(root_, name("hard"));
    const auto before = attach(cg.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    const std::size_t rules = map_size("llh_fs_rules");
    auto refused = enforcer_->attach(
        AttachRequest{cg.path(), ""},
        cgroup_policy({path_rule(denied_, kRead), path_rule(tree_.path("missing"), kRead, "item 2")}));
    ASSERT_FALSE(refused);
    EXPECT_EQ(cg.path() + ": item 2: \"" + tree_.path("missing") +
                  "\" does not exist (compat:hard): No such file or directory (hint: create it, fix the path, or use "
                  "compat:best-effort to skip missing paths)",
              refused.error().what());
    EXPECT_EQ(rules, map_size("llh_fs_rules"));
    EXPECT_EQ(1U, fs_rules_of(before.policy_id));
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));  // still the old policy
    EXPECT_EQ(0, open_in(cg.path(), allowed_ + "/file"));

    // Best-effort: skipped with a warning.
    auto soft =
        enforcer_->attach(AttachRequest{cg.path(), ""},
                          cgroup_policy({path_rule(denied_, kRead), path_rule(tree_.path("missing"), kRead, "item 2")},
                                        Compat::best_effort));
    ASSERT_TRUE(soft) << soft.error().what();
    EXPECT_EQ(1U, soft->fs_rules);
    ASSERT_EQ(1U, soft->warnings.size());
    EXPECT_EQ("item 2: \"" + tree_.path("missing") + "\" does not exist: the rule is skipped", soft->warnings[0]);
    detach(cg.path());
}

TEST_F(CgroupMode, TooDeepAndNonCgroupDirectoriesAreRefused) {
    std::vector<std::unique_ptr<TestCgroup>> chain;
    chain.push_back(std::make_unique<TestCgroup>(root_, name("deep")));
    for (int level = 2; level <= LLH_MAX_CGROUP_LEVEL + 1; ++level)
        chain.push_back(std::make_unique<TestCgroup>(chain.back()->path(), "d"));
    const std::size_t domains = map_size("llh_domains");
    auto deep = enforcer_->attach(AttachRequest{chain.back()->path(), ""}, cgroup_policy({path_rule(allowed_, kRead)}));
    ASSERT_FALSE(deep);
    EXPECT_NE(std::string::npos, deep.error().what().find("is at level 33, deeper than cgroup mode's limit of 32"))
        << deep.error().what();
    auto not_cgroup = enforcer_->attach(AttachRequest{tree_.root(), ""}, cgroup_policy({path_rule(allowed_, kRead)}));
    ASSERT_FALSE(not_cgroup);
    EXPECT_EQ(tree_.root() + ": \"" + tree_.root() +
                  "\" is not a cgroup v2 directory (hint: give a directory under "
                  "the cgroup2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified "
                  "on hybrid systems))",
              not_cgroup.error().what());
    EXPECT_EQ(domains, map_size("llh_domains"));
    while (!chain.empty()) chain.pop_back();  // deepest first
}

TEST_F(CgroupMode, PathsResolveBeneathTheWorkloadsRoot) {
    // The workload's "/etc" is <root>/allowed: a rule for "/" there must not reach the host's /.
    TestCgroup cg(root_, name("rooted"));
    const auto report = enforcer_->attach(AttachRequest{cg.path(), allowed_}, cgroup_policy({path_rule("/", kRead)}));
    ASSERT_TRUE(report) << report.error().what();
    EXPECT_EQ(0, open_in(cg.path(), allowed_ + "/file"));
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));
    detach(cg.path());
}

// --- many callers at once ---------------------------------------------------------------------------

TEST_F(CgroupMode, FiftyProcessesAttachAndDetachConcurrentlyWithoutCrossTalk) {
    constexpr int kCount = 50;
    std::vector<std::unique_ptr<TestCgroup>> cgroups;
    std::vector<std::string> dirs;
    for (int i = 0; i < kCount; ++i) {
        cgroups.push_back(std::make_unique<TestCgroup>(root_, name("many-" + std::to_string(i))));
        dirs.push_back(tree_.make_dir("d" + std::to_string(i)));
        tree_.make_file("d" + std::to_string(i) + "/file");
    }
    std::vector<pid_t> pids;
    for (int i = 0; i < kCount; ++i) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            // Each process its own Enforcer, as 50 OCI hooks would be.
            auto enforcer = Enforcer::open();
            if (!enforcer) ::_exit(10);
            auto report =
                (*enforcer)->attach(AttachRequest{cgroups[i]->path(), ""}, cgroup_policy({path_rule(dirs[i], kRead)}));
            if (!report || report->fs_rules != 1) ::_exit(11);
            const std::string mine = dirs[i] + "/file";
            const std::string next = dirs[(i + 1) % kCount] + "/file";
            if (run_in_cgroup(cgroups[i]->path(), [&] { return test_open(mine, O_RDONLY); }) != 0) ::_exit(12);
            if (run_in_cgroup(cgroups[i]->path(), [&] { return test_open(next, O_RDONLY); }) != EACCES) ::_exit(13);
            auto detached = (*enforcer)->detach(cgroups[i]->path());
            if (!detached || !*detached) ::_exit(14);
            ::_exit(0);
        }
        pids.push_back(pid);
    }
    for (int i = 0; i < kCount; ++i) {
        int status = 0;
        ASSERT_EQ(pids[i], ::waitpid(pids[i], &status, 0));
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
            << "process " << i << " status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
    }
    EXPECT_EQ(baseline_domains_, map_size("llh_domains"));
    EXPECT_EQ(baseline_fs_, map_size("llh_fs_rules"));
    EXPECT_EQ(0U, map_size("llh_identify"));
}

TEST_F(CgroupMode, FiftyThreadsShareOneEnforcer) {
    constexpr int kCount = 50;
    std::vector<std::unique_ptr<TestCgroup>> cgroups;
    std::vector<std::string> dirs;
    for (int i = 0; i < kCount; ++i) {
        cgroups.push_back(std::make_unique<TestCgroup>(root_, name("thread-" + std::to_string(i))));
        dirs.push_back(tree_.make_dir("t" + std::to_string(i)));
    }
    std::vector<cgroup::AttachReport> reports(kCount);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kCount; ++i) {
        threads.emplace_back([&, i] {
            std::vector<PathRule> rules;
            for (int j = 0; j <= i % 3; ++j) rules.push_back(path_rule(dirs[(i + j) % kCount], kRead));
            auto report = enforcer_->attach(AttachRequest{cgroups[i]->path(), ""}, cgroup_policy(rules));
            if (!report) {
                ++failures;
                return;
            }
            reports[i] = *report;
        });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_EQ(0, failures.load());
    std::set<std::uint32_t> ids;
    for (int i = 0; i < kCount; ++i) {
        ids.insert(reports[i].policy_id);
        EXPECT_EQ(static_cast<std::size_t>(i % 3 + 1), fs_rules_of(reports[i].policy_id)) << i;
    }
    EXPECT_EQ(static_cast<std::size_t>(kCount), ids.size());  // every policy its own id
    EXPECT_EQ(baseline_domains_ + kCount, map_size("llh_domains"));
    threads.clear();
    for (int i = 0; i < kCount; ++i) {
        threads.emplace_back([&, i] {
            auto detached = enforcer_->detach(cgroups[i]->path());
            if (!detached || !*detached) ++failures;
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(0, failures.load());
}

// --- program upgrades -----------------------------------------------------------------------------

TEST_F(CgroupMode, AnUpgradeRepinsTheLinksAndKeepsEveryAttachment) {
    TestCgroup cg(root_, name("upgrade"));
    const auto report = attach(cg.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    const auto old_links = pinned_link_ids();
    ASSERT_FALSE(old_links.empty());

    cgroup::OpenOptions reload;
    reload.reload = true;  // as a new build of the programs with the same map layout would
    auto upgraded = open_enforcer(reload);
    ASSERT_NE(nullptr, upgraded);
    EXPECT_TRUE(upgraded->info().loaded);
    EXPECT_EQ(old_links.size(), upgraded->info().replaced_links);
    const auto new_links = pinned_link_ids();
    ASSERT_EQ(old_links.size(), new_links.size());
    for (const auto id : new_links) EXPECT_EQ(old_links.end(), std::find(old_links.begin(), old_links.end(), id));
    // The old links go once their pins are replaced (released asynchronously).
    for (int tries = 0; tries < 100 && link_exists(old_links.front()); ++tries) ::usleep(20000);
    EXPECT_FALSE(link_exists(old_links.front()));

    EXPECT_TRUE(has_domain(report.cgroup_id));
    EXPECT_EQ(1U, fs_rules_of(report.policy_id));
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));
    EXPECT_EQ(0, open_in(cg.path(), allowed_ + "/file"));
    detach(cg.path());
}

TEST_F(CgroupMode, PinsOfAnotherMapLayoutAreRefusedAndLeftInPlace) {
    TestCgroup cg(root_, name("abi"));
    attach(cg.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    const auto links = pinned_link_ids();
    cgroup::PinPaths paths{LLH_PIN_ROOT};
    auto meta_fd = cgroup::open_meta(paths);
    ASSERT_TRUE(meta_fd) << meta_fd.error().what();
    auto meta = cgroup::read_meta(meta_fd->get());
    ASSERT_TRUE(meta);
    cgroup::PinMeta other = *meta;
    other.abi_version = LLH_ABI_VERSION + 1;
    ASSERT_TRUE(cgroup::write_meta(meta_fd->get(), other));

    auto refused = Enforcer::open();
    ASSERT_TRUE(cgroup::write_meta(meta_fd->get(), *meta));  // restore before asserting
    ASSERT_FALSE(refused);
    EXPECT_EQ("cgroup mode: pins: the pinned maps have layout version " + std::to_string(LLH_ABI_VERSION + 1) +
                  ", this build uses " + std::to_string(LLH_ABI_VERSION) +
                  "; the pinned programs stay in place (hint: use the landlock-hooks version that pinned them, or "
                  "detach every cgroup and remove " LLH_PIN_ROOT " to switch)",
              refused.error().what());
    EXPECT_EQ(links, pinned_link_ids());
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));
    detach(cg.path());
}

// --- landlockctl attach / status / detach: the same Enforcer, through the CLI's functions -----------

struct Captured {
    int status = -1;
    std::string out, err;
};

// Runs a landlockctl subcommand function with stdout and stderr captured.
Captured capture(const std::function<int()>& command) {
    std::fflush(stdout);
    std::fflush(stderr);
    FILE* out = std::tmpfile();
    FILE* err = std::tmpfile();
    const int saved_out = ::dup(1), saved_err = ::dup(2);
    ::dup2(::fileno(out), 1);
    ::dup2(::fileno(err), 2);
    Captured result;
    result.status = command();
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    ::close(saved_out);
    ::close(saved_err);
    for (auto [file, text] : {std::pair{out, &result.out}, std::pair{err, &result.err}}) {
        std::rewind(file);
        char buffer[4096];
        for (std::size_t got; (got = std::fread(buffer, 1, sizeof(buffer), file)) > 0;) text->append(buffer, got);
        std::fclose(file);
    }
    return result;
}

TEST_F(CgroupMode, LandlockctlAttachStatusDetach) {
    TestCgroup cg(root_, name("cli"));
    ctl::AttachOptions attach_options;
    attach_options.cgroup = cg.path();
    attach_options.sources.rules = "ro:" + allowed_ + " bind:8080";
    auto attached = capture([&] { return ctl::attach_command(attach_options); });
    ASSERT_EQ(0, attached.status) << attached.err;
    EXPECT_NE(std::string::npos, attached.out.find(cg.path() + ": policy ")) << attached.out;
    EXPECT_NE(std::string::npos, attached.out.find("attached (1 file-system rule, 1 port rule)")) << attached.out;
    // Cgroup mode holds ABI 6's rights; its denials do not go to audit (ABI 7's log flags).
    EXPECT_EQ(
        "landlockctl attach: fully enforced on Landlock ABI 6; denials are not logged: audit logging needs "
        "Landlock ABI 7\n",
        attached.err);
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));
    EXPECT_EQ(0, open_in(cg.path(), allowed_ + "/file"));

    auto status = capture([] { return ctl::status_command(ctl::StatusOptions{true}); });
    ASSERT_EQ(0, status.status) << status.err;
    const auto json = nlohmann::json::parse(status.out);
    EXPECT_TRUE(json["loaded"].get<bool>());
    bool found = false;
    for (const auto& entry : json["attachments"]) {
        if (entry["cgroup"] != cg.path()) continue;
        found = true;
        EXPECT_EQ(1U, entry["fsRules"].get<std::size_t>());
        EXPECT_EQ(1U, entry["netRules"].get<std::size_t>());
        EXPECT_EQ(1U, entry["level"].get<unsigned>());
        EXPECT_EQ(nlohmann::json::array({"bind_tcp"}), entry["handledAccessNet"]);
    }
    EXPECT_TRUE(found) << status.out;

    // compat:hard refuses a missing path; the cgroup keeps its policy.
    ctl::AttachOptions refused_options = attach_options;
    refused_options.sources.rules = "compat:hard ro:" + tree_.path("missing");
    auto refused = capture([&] { return ctl::attach_command(refused_options); });
    EXPECT_EQ(1, refused.status);
    EXPECT_EQ("landlockctl attach: " + cg.path() + ": --rules: item 2 \"ro:" + tree_.path("missing") + "\": \"" +
                  tree_.path("missing") +
                  "\" does not exist (compat:hard): No such file or directory (hint: create it, fix the path, or use "
                  "compat:best-effort to skip missing paths)\n",
              refused.err);
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));

    auto detached = capture([&] { return ctl::detach_command(ctl::DetachOptions{cg.path()}); });
    EXPECT_EQ(0, detached.status) << detached.err;
    EXPECT_EQ(cg.path() + ": policy detached\n", detached.out);
    EXPECT_EQ(0, open_in(cg.path(), denied_ + "/file"));
    auto again = capture([&] { return ctl::detach_command(ctl::DetachOptions{cg.path()}); });
    EXPECT_EQ(cg.path() + ": no policy attached\n", again.out);
}

// --- cgroupfs guards --------------------------------------------------------------------------------

// 0 when `text` was written to `path`, else the errno of the open or the write.
int write_text(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int result = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) ? 0 : errno;
    ::close(fd);
    return result;
}

// A process parked in `cgroup` until killed.
pid_t park_in(const std::string& cgroup) {
    int ready[2];
    if (::pipe(ready) != 0) return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(ready[0]);
        const int moved = write_text(cgroup + "/cgroup.procs", "0");
        if (::write(ready[1], &moved, sizeof(moved)) != sizeof(moved)) ::_exit(1);
        for (;;) ::pause();
    }
    ::close(ready[1]);
    int moved = -1;
    if (pid < 0 || ::read(ready[0], &moved, sizeof(moved)) != sizeof(moved) || moved != 0) {
        if (pid > 0) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
        ::close(ready[0]);
        return -1;
    }
    ::close(ready[0]);
    return pid;
}

TEST_F(CgroupMode, ASandboxedTaskCannotKillOrFreezeCgroupsOutsideItsOwn) {
    TestCgroup parent(root_, name("kill-parent"));
    TestCgroup sandbox(parent.path(), "sandbox");
    TestCgroup inner(sandbox.path(), "inner");
    TestCgroup outsider(parent.path(), "outsider");
    // Its rules let the task write all of cgroupfs: what refuses is cgroup mode's guard (EPERM), not
    // the rules (EACCES).
    attach(sandbox.path(), cgroup_policy({path_rule(root_, kRead | fs::write_file)}));
    const pid_t parked = park_in(outsider.path());
    ASSERT_GT(parked, 0);

    // The root cgroup has no cgroup.kill nor cgroup.freeze.
    for (const std::string& path :
         {parent.path() + "/cgroup.kill", parent.path() + "/cgroup.freeze", parent.path() + "/cgroup.subtree_control",
          outsider.path() + "/cgroup.kill", outsider.path() + "/cgroup.freeze", root_ + "/cgroup.subtree_control",
          outsider.path() + "/cgroup.procs", inner.path() + "/cgroup.procs"}) {
        EXPECT_EQ(EPERM, run_in_cgroup(sandbox.path(), [&] { return write_text(path, "1"); })) << path;
    }
    // Inside its own subtree the rules decide, as Landlock would.
    EXPECT_EQ(0, run_in_cgroup(sandbox.path(), [&] { return write_text(inner.path() + "/cgroup.freeze", "1"); }));
    EXPECT_EQ(0, run_in_cgroup(sandbox.path(), [&] { return write_text(inner.path() + "/cgroup.freeze", "0"); }));
    EXPECT_EQ(0, run_in_cgroup(sandbox.path(), [&] { return write_text(inner.path() + "/cgroup.kill", "1"); }));
    // Its own cgroup is its own: opening it for writing is allowed (writing "1" would kill the test).
    EXPECT_EQ(0, run_in_cgroup(sandbox.path(), [&] { return test_open(sandbox.path() + "/cgroup.kill", O_WRONLY); }));

    // The outsider lives on, not frozen.
    EXPECT_EQ(0, ::waitpid(parked, nullptr, WNOHANG));
    EXPECT_EQ(0, ::kill(parked, 0));
    EXPECT_EQ(0, test_open(outsider.path() + "/cgroup.events", O_RDONLY));
    std::FILE* events = std::fopen((outsider.path() + "/cgroup.events").c_str(), "r");
    ASSERT_NE(nullptr, events);
    char line[64];
    bool frozen = true;
    while (std::fgets(line, sizeof(line), events)) {
        if (std::strncmp(line, "frozen ", 7) == 0) frozen = line[7] != '0';
    }
    std::fclose(events);
    EXPECT_FALSE(frozen);
    ::kill(parked, SIGKILL);
    int status = 0;
    ASSERT_EQ(parked, ::waitpid(parked, &status, 0));
    detach(sandbox.path());
}

// --- events -----------------------------------------------------------------------------------------

// Every llh_event in the pinned ring buffer, read with libbpf's ring_buffer API.
class EventReader {
public:
    EventReader() {
        fd_ = bpf_obj_get((std::string(LLH_PIN_ROOT) + "/maps/llh_events").c_str());
        if (fd_ >= 0) ring_ = ring_buffer__new(fd_, &EventReader::on_event, this, nullptr);
        drain();
        events_.clear();  // what earlier tests left
    }
    ~EventReader() {
        if (ring_ != nullptr) ring_buffer__free(ring_);
        if (fd_ >= 0) ::close(fd_);
    }
    bool valid() const { return ring_ != nullptr; }
    const std::vector<llh_event>& drain() {
        if (ring_ != nullptr) ring_buffer__consume(ring_);
        return events_;
    }

private:
    static int on_event(void* self, void* data, std::size_t size) {
        if (size >= sizeof(llh_event))
            static_cast<EventReader*>(self)->events_.push_back(*static_cast<llh_event*>(data));
        return 0;
    }
    int fd_ = -1;
    ring_buffer* ring_ = nullptr;
    std::vector<llh_event> events_;
};

std::string real_path(const std::string& path) {
    char resolved[PATH_MAX];
    return ::realpath(path.c_str(), resolved) != nullptr ? resolved : path;
}

TEST_F(CgroupMode, ADenialEventCarriesTheFullPath) {
    TestCgroup cg(root_, name("events"));
    const auto report = attach(cg.path(), cgroup_policy({path_rule(allowed_, kRead)}));
    EventReader reader;
    ASSERT_TRUE(reader.valid()) << "cannot read " LLH_PIN_ROOT "/maps/llh_events";
    EXPECT_EQ(EACCES, open_in(cg.path(), denied_ + "/file"));
    // A directory operation: the path is the directory's and the new entry's name.
    EXPECT_EQ(EACCES, run_in_cgroup(cg.path(), [&] { return errno_of(::mkdir((denied_ + "/new").c_str(), 0700)); }));

    std::vector<std::string> paths;
    for (const llh_event& event : reader.drain()) {
        if (event.cgroup_id != report.cgroup_id || event.kind != LLH_EVENT_FS) continue;
        EXPECT_EQ(report.policy_id, event.policy_id);
        EXPECT_EQ(EACCES, event.error);
        paths.emplace_back(event.path, strnlen(event.path, sizeof(event.path)));
    }
    EXPECT_EQ((std::vector<std::string>{real_path(denied_) + "/file", real_path(denied_) + "/new"}), paths);
    detach(cg.path());
}

}  // namespace
}  // namespace llh::test
