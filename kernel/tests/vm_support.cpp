#include "kernel/tests/vm_support.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <algorithm>
#include <cerrno>
#include <ctime>
#include <stdexcept>

#include "kernel/bpf_map_ops.hpp"
#include "kernel/llh_bpf_abi.h"
#include "libpolicy/unique_fd.hpp"
#include "tests/kernel/support.hpp"

namespace llh::test {
namespace {

UniqueFd pinned_map(const std::string& name) {
    UniqueFd fd(bpf_obj_get((std::string(LLH_PIN_ROOT) + "/maps/" + name).c_str()));
    if (!fd.valid()) throw std::runtime_error("cannot open the pinned map " + name);
    return fd;
}

void remove_tree(const std::string& path) {
    // Child cgroups first; cgroup directories only hold control files besides them.
    if (DIR* dir = ::opendir(path.c_str())) {
        std::vector<std::string> children;
        while (const dirent* entry = ::readdir(dir)) {
            const std::string name = entry->d_name;
            if (entry->d_type == DT_DIR && name != "." && name != "..") children.push_back(path + "/" + name);
        }
        ::closedir(dir);
        for (const auto& child : children) remove_tree(child);
    }
    ::rmdir(path.c_str());
}

}  // namespace

std::string cgroup2_root() {
    for (const char* path : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
        if (::access((std::string(path) + "/cgroup.procs").c_str(), F_OK) == 0 &&
            ::access((std::string(path) + "/cgroup.type").c_str(), F_OK) != 0)
            return path;
    }
    return {};
}

TestCgroup::TestCgroup(const std::string& parent, const std::string& name) : path_(parent + "/" + name) {
    if (::mkdir(path_.c_str(), 0755) != 0) throw std::runtime_error("mkdir " + path_);
}

TestCgroup::~TestCgroup() {
    if (!removed_) remove_tree(path_);
}

void TestCgroup::remove() {
    remove_tree(path_);
    removed_ = true;
}

bool enter_cgroup(const std::string& cgroup) {
    const UniqueFd fd(::open((cgroup + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    return fd.valid() && ::write(fd.get(), "0", 1) == 1;
}

int run_in_cgroup(const std::string& cgroup, const std::function<int()>& body) {
    const pid_t pid = ::fork();
    if (pid < 0) return -1000;
    if (pid == 0) {
        if (!enter_cgroup(cgroup)) ::_exit(200);
        ::_exit(body());
    }
    return wait_for(pid);
}

int run_in_cgroup_around(const std::string& cgroup, const std::function<int()>& before,
                         const std::function<void()>& between, const std::function<int()>& after) {
    int ready[2], go[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) return -1000;
    if (::pipe2(go, O_CLOEXEC) != 0) {
        for (int fd : ready) ::close(fd);
        return -1000;
    }
    UniqueFd ready_read(ready[0]), ready_write(ready[1]), go_read(go[0]), go_write(go[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return -1000;
    if (pid == 0) {
        if (!enter_cgroup(cgroup)) ::_exit(200);
        if (before() != 0) ::_exit(201);
        char byte = 0;
        if (::write(ready_write.get(), "r", 1) != 1 || ::read(go_read.get(), &byte, 1) != 1) ::_exit(202);
        ::_exit(after());
    }
    ready_write.reset();  // so that a child that dies before it is ready ends the read
    go_read.reset();
    char byte = 0;
    // A child that died before it was ready: its status says why, between() does not run.
    if (::read(ready_read.get(), &byte, 1) == 1) {
        between();
        (void)::write(go_write.get(), "g", 1);
    }
    return wait_for(pid);
}

std::size_t map_size(const std::string& name) {
    const UniqueFd fd = pinned_map(name);
    bpf_map_info info{};
    std::uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) != 0) throw std::runtime_error("map info " + name);
    std::size_t count = 0;
    auto walked =
        cgroup::for_each_entry(fd.get(), info.key_size, info.value_size, [&](const void*, const void*) { ++count; });
    if (!walked) throw std::runtime_error(walked.error().what());
    return count;
}

std::size_t fs_rules_of(std::uint32_t policy_id) {
    const UniqueFd fd = pinned_map("llh_fs_rules");
    std::size_t count = 0;
    (void)cgroup::for_each<llh_inode_key, __u64>(
        fd.get(), [&](const llh_inode_key& key, __u64) { count += key.policy_id == policy_id ? 1 : 0; });
    return count;
}

std::size_t net_rules_of(std::uint32_t policy_id) {
    const UniqueFd fd = pinned_map("llh_net_rules");
    std::size_t count = 0;
    (void)cgroup::for_each<llh_port_key, __u32>(
        fd.get(), [&](const llh_port_key& key, __u32) { count += key.policy_id == policy_id ? 1 : 0; });
    return count;
}

bool has_domain(std::uint64_t cgroup_id) {
    const UniqueFd fd = pinned_map("llh_domains");
    const __u64 key = cgroup_id;
    llh_domain domain{};
    return bpf_map_lookup_elem(fd.get(), &key, &domain) == 0;
}

std::vector<std::uint32_t> pinned_link_ids() {
    std::vector<std::uint32_t> ids;
    const std::string directory = std::string(LLH_PIN_ROOT) + "/links";
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) return ids;
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        UniqueFd fd(bpf_obj_get((directory + "/" + name).c_str()));
        if (!fd.valid()) continue;
        bpf_link_info info{};
        std::uint32_t length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) == 0) ids.push_back(info.id);
    }
    ::closedir(dir);
    std::sort(ids.begin(), ids.end());
    return ids;
}

bool link_exists(std::uint32_t id) {
    UniqueFd fd(bpf_link_get_fd_by_id(id));
    return fd.valid();
}

std::uint64_t now_ns() {
    timespec time{};
    ::clock_gettime(CLOCK_MONOTONIC, &time);
    return static_cast<std::uint64_t>(time.tv_sec) * 1000000000ULL + static_cast<std::uint64_t>(time.tv_nsec);
}

}  // namespace llh::test
