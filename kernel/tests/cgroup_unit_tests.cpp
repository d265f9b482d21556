// Cgroup mode's loader without BPF LSM: policy -> map entries, cgroup v2 directories, rule objects,
// and the Enforcer's bookkeeping of maps pinned by hand (the host creates maps, loads no LSM program).
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "kernel/bpf_map_ops.hpp"
#include "kernel/cgroup_dir.hpp"
#include "kernel/cgroup_enforcer.hpp"
#include "kernel/map_entries.hpp"
#include "kernel/pins.hpp"
#include "libpolicy/rule_objects.hpp"
#include "tests/support/require.hpp"
#include "tests/support/temp_tree.hpp"

namespace llh::cgroup {
namespace {

Policy fs_policy(FsAccess handled) {
    Policy policy;
    policy.handled_fs = handled;
    policy.options.compat = Compat::hard;
    return policy;
}

TEST(CompileEntries, OneEntryPerInodeWithMergedRights) {
    const Policy policy = fs_policy(fs::read_file | fs::read_dir | fs::write_file);
    const std::vector<InodeGrant> grants = {
        {{8, 100, 7}, fs::read_file},
        {{8, 200, 0}, fs::read_dir},
        {{8, 100, 7}, fs::write_file},  // the same inode through another spelling or mount
    };
    auto entries = compile_entries(policy, 42, 3, grants);
    ASSERT_TRUE(entries) << entries.error().what();
    ASSERT_EQ(2U, entries->fs.size());
    EXPECT_EQ(42U, entries->fs[0].first.policy_id);
    EXPECT_EQ(100U, entries->fs[0].first.ino);
    EXPECT_EQ(7U, entries->fs[0].first.generation);
    EXPECT_EQ(8U, entries->fs[0].first.dev);
    EXPECT_EQ(fs::read_file | fs::write_file, entries->fs[0].second);
    EXPECT_EQ(fs::read_dir, entries->fs[1].second);
    EXPECT_EQ(42U, entries->domain.policy_id);
    EXPECT_EQ(3U, entries->domain.cgroup_level);
    EXPECT_EQ(policy.handled_fs, entries->domain.handled_fs);
}

TEST(CompileEntries, RightsOutsideTheHandledSetNeverReachAMap) {
    const Policy policy = fs_policy(fs::read_file);
    auto entries = compile_entries(policy, 1, 0, {{{1, 2, 3}, fs::read_file | fs::execute}, {{1, 5, 0}, fs::execute}});
    ASSERT_TRUE(entries);
    ASSERT_EQ(1U, entries->fs.size());
    EXPECT_EQ(fs::read_file, entries->fs[0].second);
}

TEST(CompileEntries, KeysHaveZeroPadding) {
    const llh_inode_key key = inode_key(9, {1, 2, 3});
    llh_inode_key expected;
    std::memset(&expected, 0, sizeof(expected));
    expected.policy_id = 9;
    expected.dev = 1;
    expected.ino = 2;
    expected.generation = 3;
    EXPECT_EQ(0, std::memcmp(&key, &expected, sizeof(key)));
}

TEST(CompileEntries, PortsMergeAndAreMaskedByTheHandledSet) {
    Policy policy;
    policy.handled_net = net::bind_tcp | net::connect_tcp;
    policy.scoped = scope::signal;
    policy.ports = {{8080, net::bind_tcp, "a"}, {8080, net::connect_tcp, "b"}, {443, net::connect_tcp, "c"}};
    auto entries = compile_entries(policy, 5, 1, {});
    ASSERT_TRUE(entries);
    ASSERT_EQ(2U, entries->net.size());
    EXPECT_EQ(8080U, entries->net[0].first.port);
    EXPECT_EQ(5U, entries->net[0].first.policy_id);
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, entries->net[0].second);
    EXPECT_EQ(443U, entries->net[1].first.port);
    EXPECT_EQ(net::bind_tcp | net::connect_tcp, entries->domain.handled_net);
    EXPECT_EQ(scope::signal, entries->domain.scoped);
    EXPECT_TRUE(entries->fs.empty());
}

TEST(CompileEntries, RefusesPortsBeyondTcpAndPolicyIdZero) {
    Policy policy;
    policy.handled_net = net::bind_tcp;
    policy.ports = {{70000, net::bind_tcp, "--rules: item 1 \"bind:70000\""}};
    auto bad_port = compile_entries(policy, 1, 0, {});
    ASSERT_FALSE(bad_port);
    EXPECT_EQ("--rules: item 1 \"bind:70000\": port 70000 is not a TCP port (0-65535)", bad_port.error().what());
    EXPECT_FALSE(compile_entries(fs_policy(fs::read_file), 0, 0, {}));
}

// --- rule objects (shared with native mode) --------------------------------------------------

class RuleObjects : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(0, ::mkdir((root_ + "/etc").c_str(), 0755));
        std::ofstream(root_ + "/etc/app.conf") << "x\n";
        // Absolute inside the workload's root: must stay inside it.
        ASSERT_EQ(0, ::symlink("/etc", (root_ + "/link").c_str()));
    }
    test::TempTree tree_{"llh-cgroup-unit"};
    const std::string root_ = tree_.root();
};

TEST_F(RuleObjects, ResolvesBeneathTheRootAndMergesSpellings) {
    Policy policy = fs_policy(fs::read_file | fs::read_dir);
    policy.paths = {{"/etc", fs::read_dir, "item 1"}, {"/link", fs::read_file, "item 2"}};
    UniqueFd root(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::vector<std::string> warnings;
    auto objects = open_rule_objects(policy, root.get(), warnings);
    ASSERT_TRUE(objects) << objects.error().what();
    ASSERT_EQ(1U, objects->size());  // /link -> /etc inside the root, not the host's /etc
    struct stat inside {};
    ASSERT_EQ(0, ::stat((root_ + "/etc").c_str(), &inside));
    EXPECT_EQ(inside.st_ino, (*objects)[0].ino);
    EXPECT_EQ(fs::read_file | fs::read_dir, (*objects)[0].allowed);
    EXPECT_TRUE((*objects)[0].is_directory);
    EXPECT_TRUE(warnings.empty());
}

TEST_F(RuleObjects, MissingPathIsAnErrorUnderHardAndAWarningUnderBestEffort) {
    Policy policy = fs_policy(fs::read_file);
    policy.paths = {{"/missing", fs::read_file, "item 1"}};
    UniqueFd root(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::vector<std::string> warnings;
    auto hard = open_rule_objects(policy, root.get(), warnings);
    ASSERT_FALSE(hard);
    EXPECT_EQ(
        "item 1: \"/missing\" does not exist (compat:hard): No such file or directory (hint: create it, fix "
        "the path, or use compat:best-effort to skip missing paths)",
        hard.error().what());
    policy.options.compat = Compat::best_effort;
    auto soft = open_rule_objects(policy, root.get(), warnings);
    ASSERT_TRUE(soft);
    EXPECT_TRUE(soft->empty());
    ASSERT_EQ(1U, warnings.size());
    EXPECT_EQ("item 1: \"/missing\" does not exist: the rule is skipped", warnings[0]);
}

TEST_F(RuleObjects, AFileKeepsOnlyFileRights) {
    Policy policy = fs_policy(fs::read_file | fs::read_dir | fs::make_reg);
    policy.paths = {{"/etc/app.conf", fs::read_file | fs::read_dir, "a"}, {"/etc/app.conf", fs::make_reg, "b"}};
    UniqueFd root(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::vector<std::string> warnings;
    auto objects = open_rule_objects(policy, root.get(), warnings);
    ASSERT_TRUE(objects);
    ASSERT_EQ(1U, objects->size());
    EXPECT_EQ(fs::read_file, object_rights((*objects)[0], policy.handled_fs, warnings));
    RuleObject only_dir_rights{"/etc/app.conf", "b", UniqueFd(), false, fs::make_reg, 0, 0};
    EXPECT_EQ(0U, object_rights(only_dir_rights, policy.handled_fs, warnings));
    ASSERT_EQ(1U, warnings.size());
    EXPECT_EQ(
        "b: \"/etc/app.conf\" is not a directory and none of the rights allowed on it applies to a file: "
        "the rule is skipped",
        warnings[0]);
}

// --- cgroup v2 directories ------------------------------------------------------------------

std::string cgroup2_mount() {
    for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        if (::access((std::string(path) + "/cgroup.procs").c_str(), F_OK) == 0 &&
            ::access((std::string(path) + "/cgroup.type").c_str(), F_OK) != 0)
            return path;
    }
    return {};
}

TEST(CgroupDir, RefusesWhatIsNotACgroupV2Directory) {
    auto dir = open_cgroup_dir("/tmp");
    ASSERT_FALSE(dir);
    EXPECT_EQ(
        "\"/tmp\" is not a cgroup v2 directory (hint: give a directory under the cgroup2 mount "
        "(/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems))",
        dir.error().what());
}

TEST(CgroupDir, IdIsTheInodeLevelCountsFromTheRootAndLookupFindsIt) {
    const std::string mount = cgroup2_mount();
    LLH_REQUIRE(!mount.empty(), "no cgroup2 root at /sys/fs/cgroup or /sys/fs/cgroup/unified");
    LLH_REQUIRE(::geteuid() == 0, "creating cgroups needs root");
    const std::string outer = mount + "/llh-unit-" + std::to_string(::getpid());
    const std::string inner = outer + "/inner";
    ASSERT_EQ(0, ::mkdir(outer.c_str(), 0755));
    ASSERT_EQ(0, ::mkdir(inner.c_str(), 0755));
    auto dir = open_cgroup_dir(inner);
    ASSERT_TRUE(dir) << dir.error().what();
    struct stat status {};
    ASSERT_EQ(0, ::stat(inner.c_str(), &status));
    EXPECT_EQ(status.st_ino, dir->id);
    EXPECT_EQ(2U, dir->level);
    auto root = open_cgroup_dir(mount);
    ASSERT_TRUE(root);
    EXPECT_EQ(0U, root->level);

    auto found = find_cgroup(dir->id);
    ASSERT_TRUE(found) << found.error().what();
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ(inner, **found);
    const std::uint64_t id = dir->id;
    dir->fd.reset();
    ASSERT_EQ(0, ::rmdir(inner.c_str()));
    ASSERT_EQ(0, ::rmdir(outer.c_str()));
    auto gone = find_cgroup(id);
    ASSERT_TRUE(gone) << gone.error().what();
    EXPECT_FALSE(gone->has_value());
}

TEST(CgroupDir, RefusesCgroupsDeeperThanTheProgramsLook) {
    const std::string mount = cgroup2_mount();
    LLH_REQUIRE(!mount.empty(), "no cgroup2 root at /sys/fs/cgroup or /sys/fs/cgroup/unified");
    LLH_REQUIRE(::geteuid() == 0, "creating cgroups needs root");
    std::vector<std::string> made;
    std::string path = mount + "/llh-deep-" + std::to_string(::getpid());
    for (int level = 1; level <= LLH_MAX_CGROUP_LEVEL + 1; ++level) {
        ASSERT_EQ(0, ::mkdir(path.c_str(), 0755)) << path;
        made.push_back(path);
        path += "/d";
    }
    auto limit = open_cgroup_dir(made[LLH_MAX_CGROUP_LEVEL - 1]);
    EXPECT_TRUE(limit) << limit.error().what();
    auto deep = open_cgroup_dir(made.back());
    ASSERT_FALSE(deep);
    EXPECT_EQ("the cgroup \"" + made.back() +
                  "\" is at level 33, deeper than cgroup mode's limit of 32 (hint: attach "
                  "the policy to an ancestor: it holds for every descendant)",
              deep.error().what());
    for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
}

// --- the Enforcer on maps pinned by hand ---------------------------------------------------------

// The maps of the contract (kernel/llh_bpf_abi.h) that the Enforcer opens, pinned under a private
// root with a meta pin of this layout: Enforcer::open({.load = false}) takes them as cgroup mode's.
class HandMadePins : public ::testing::Test {
protected:
    void SetUp() override {
        LLH_REQUIRE(::geteuid() == 0, "creating BPF maps needs root");
        LLH_REQUIRE(bpffs_mounted("/sys/fs/bpf"), "no bpffs at /sys/fs/bpf");
        paths_.root = "/sys/fs/bpf/llh-unit-" + std::to_string(::getpid());
        ASSERT_TRUE(make_pin_dirs(paths_));
        struct Layout {
            const char* name;
            std::uint32_t key, value;
        };
        for (const Layout& map : {Layout{"llh_domains", sizeof(__u64), sizeof(llh_domain)},
                                  Layout{"llh_fs_rules", sizeof(llh_inode_key), sizeof(__u64)},
                                  Layout{"llh_net_rules", sizeof(llh_port_key), sizeof(__u32)},
                                  Layout{"llh_identify", sizeof(__u32), sizeof(llh_identity)},
                                  Layout{"llh_orphans", sizeof(__u64), sizeof(__u32)}}) {
            UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_HASH, map.name, map.key, map.value, 64, nullptr));
            LLH_REQUIRE(fd.valid(), std::string("cannot create a BPF map: ") + std::strerror(errno));
            ASSERT_EQ(0, bpf_obj_pin(fd.get(), paths_.map(map.name).c_str())) << std::strerror(errno);
            maps_.emplace_back(map.name, std::move(fd));
        }
        UniqueFd generation(bpf_map_create(BPF_MAP_TYPE_ARRAY, "llh_generation", sizeof(__u32), sizeof(__u64), 1, nullptr));
        ASSERT_TRUE(generation.valid()) << std::strerror(errno);
        ASSERT_EQ(0, bpf_obj_pin(generation.get(), paths_.map("llh_generation").c_str())) << std::strerror(errno);
        maps_.emplace_back("llh_generation", std::move(generation));
        PinMeta meta;
        meta.abi_version = LLH_ABI_VERSION;
        meta.next_policy_id = 100;
        ASSERT_TRUE(create_meta(paths_, meta));
        OpenOptions options;
        options.pin_root = paths_.root;
        options.load = false;
        auto opened = Enforcer::open(options);
        ASSERT_TRUE(opened) << opened.error().what();
        enforcer_ = std::move(*opened);
    }

    void TearDown() override {
        enforcer_.reset();
        if (paths_.root.empty()) return;
        for (const auto& [name, fd] : maps_) ::unlink(paths_.map(name).c_str());
        ::unlink(paths_.meta().c_str());
        for (const std::string& dir : {paths_.maps(), paths_.links(), paths_.root}) ::rmdir(dir.c_str());
    }

    int map(const std::string& name) const {
        for (const auto& [each, fd] : maps_)
            if (each == name) return fd.get();
        return -1;
    }
    void put_domain(__u64 cgroup_id, __u32 policy_id) {
        llh_domain domain{};
        domain.policy_id = policy_id;
        ASSERT_EQ(0, bpf_map_update_elem(map("llh_domains"), &cgroup_id, &domain, BPF_ANY));
    }
    void put_rule(__u32 policy_id, __u64 ino) {
        const llh_inode_key key = inode_key(policy_id, {8, ino, 0});
        const __u64 allowed = fs::read_file;
        ASSERT_EQ(0, bpf_map_update_elem(map("llh_fs_rules"), &key, &allowed, BPF_ANY));
    }
    // What the cgroup_rmdir program leaves when a cgroup with a domain is removed.
    void put_orphan(__u64 cgroup_id, __u32 policy_id) {
        ASSERT_EQ(0, bpf_map_update_elem(map("llh_orphans"), &cgroup_id, &policy_id, BPF_ANY));
    }
    std::size_t rules_of(__u32 policy_id) const {
        std::size_t count = 0;
        (void)for_each<llh_inode_key, __u64>(
            map("llh_fs_rules"), [&](const llh_inode_key& key, __u64) { count += key.policy_id == policy_id ? 1 : 0; });
        return count;
    }
    __u64 generation() const {
        const __u32 key = 0;
        __u64 value = 0;
        EXPECT_EQ(0, bpf_map_lookup_elem(map("llh_generation"), &key, &value)) << std::strerror(errno);
        return value;
    }
    std::size_t orphans() const {
        std::size_t count = 0;
        (void)for_each<__u64, __u32>(map("llh_orphans"), [&](__u64, __u32) { ++count; });
        return count;
    }

    PinPaths paths_;
    std::vector<std::pair<std::string, UniqueFd>> maps_;
    std::unique_ptr<Enforcer> enforcer_;
};

TEST_F(HandMadePins, DetachIdRemovesOneDomainAndItsRulesOnly) {
    put_domain(1001, 5);
    put_rule(5, 10);
    put_rule(5, 11);
    put_domain(1002, 6);
    put_rule(6, 10);
    const __u64 before = generation();
    auto detached = enforcer_->detach_id(1001);
    ASSERT_TRUE(detached) << detached.error().what();
    EXPECT_TRUE(*detached);
    EXPECT_EQ(0U, rules_of(5));
    EXPECT_EQ(1U, rules_of(6));
    // The programs' remembered answers for cgroup 1001's subtree are stale now.
    EXPECT_EQ(before + 1, generation());
    auto again = enforcer_->detach_id(1001);
    ASSERT_TRUE(again) << again.error().what();
    EXPECT_FALSE(*again);
    EXPECT_EQ(before + 1, generation());
}

TEST_F(HandMadePins, DetachIdOfARemovedCgroupDeletesTheRulesItsOrphanNames) {
    put_orphan(2001, 7);
    put_rule(7, 10);
    put_rule(7, 12);
    put_orphan(2002, 8);
    put_rule(8, 10);
    auto detached = enforcer_->detach_id(2001);
    ASSERT_TRUE(detached) << detached.error().what();
    EXPECT_TRUE(*detached);
    EXPECT_EQ(0U, rules_of(7));
    EXPECT_EQ(1U, rules_of(8));  // another removed cgroup's: the next attach or collect deletes them
    EXPECT_EQ(1U, orphans());
    auto again = enforcer_->detach_id(2001);
    ASSERT_TRUE(again) << again.error().what();
    EXPECT_FALSE(*again);
}

}  // namespace
}  // namespace llh::cgroup
