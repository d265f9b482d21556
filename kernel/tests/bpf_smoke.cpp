// bpf-smoke: loads cgroup mode's BPF programs in a guest that has BPF LSM (kernel/vm/vm-run.sh),
// attaches policies to fresh cgroups through the maps directly (no loader), and checks each case
// twice: sandboxed by native Landlock (landlock_restrict_self in a forked child) and by cgroup mode
// (a forked child that moves itself into the policied cgroup). Both must give the expected errno.
// Cases that only exist in cgroup mode (its guards, the walk bound) run in cgroup mode only.
// Output: TAP. Needs root, cgroup2 at /sys/fs/cgroup, Landlock ABI >= 6.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/bpf.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "kernel/llh_bpf_abi.h"
#include "landlock_cgroup.skel.h"

namespace {

// Landlock UAPI (ABI 6); Debian's linux-libc-dev is 6.1.
constexpr uint64_t kExecute = 1ULL << 0, kWriteFile = 1ULL << 1, kReadFile = 1ULL << 2,
                   kReadDir = 1ULL << 3, kRemoveDir = 1ULL << 4, kRemoveFile = 1ULL << 5,
                   kMakeChar = 1ULL << 6, kMakeDir = 1ULL << 7, kMakeReg = 1ULL << 8,
                   kMakeSock = 1ULL << 9, kMakeFifo = 1ULL << 10, kMakeBlock = 1ULL << 11,
                   kMakeSym = 1ULL << 12, kRefer = 1ULL << 13, kTruncate = 1ULL << 14,
                   kIoctlDev = 1ULL << 15;
constexpr uint64_t kFsAll = (1ULL << 16) - 1;
constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
constexpr uint64_t kRead = kReadFile | kReadDir;
constexpr uint32_t kBindTcp = 1, kConnectTcp = 2;
constexpr uint32_t kScopeUnix = 1, kScopeSignal = 2;

struct RulesetAttr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
    uint64_t allowed_access;
    int32_t parent_fd;
};
struct NetPortAttr {
    uint64_t allowed_access;
    uint64_t port;
};

struct FsRule {
    std::string path;
    uint64_t access;
};
struct NetRule {
    uint16_t port;
    uint32_t access;
};
struct Layer {
    uint64_t handled_fs = 0;
    uint32_t handled_net = 0;
    uint32_t scoped = 0;
    std::vector<FsRule> fs;
    std::vector<NetRule> net;
};
using Policy = std::vector<Layer>;  // outermost first

landlock_cgroup* skel;
ring_buffer* events;
std::vector<llh_event> seen_events;

int on_event(void*, void* data, size_t size) {
    if (size >= sizeof(llh_event)) seen_events.push_back(*static_cast<llh_event*>(data));
    return 0;
}

std::string drain_events() {
    seen_events.clear();
    if (events) ring_buffer__consume(events);
    std::string out;
    for (const llh_event& ev : seen_events) {
        char line[200];
        snprintf(line, sizeof(line), "%sevent kind %u policy %u access %#llx errno %d port %u comm %.16s name %.64s",
                 out.empty() ? "" : "; ", ev.kind, ev.policy_id, (unsigned long long)ev.access, ev.error,
                 ev.port, ev.comm, ev.name);
        out += line;
    }
    return out;
}
int test_number;
int failures;
const char* kRoot = "/tmp/llh";
const char* kCgroupRoot = "/sys/fs/cgroup/llh-smoke";

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
    if (level == LIBBPF_DEBUG) return 0;
    return vfprintf(stderr, format, args);
}

void ok(bool pass, const std::string& name, const std::string& detail = "") {
    ++test_number;
    if (!pass) ++failures;
    printf("%s %d - %s%s%s\n", pass ? "ok" : "not ok", test_number, name.c_str(),
           detail.empty() ? "" : " # ", detail.c_str());
    fflush(stdout);
}

std::string errno_name(int err) {
    switch (err) {
    case 0: return "0";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EXDEV: return "EXDEV";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return std::to_string(err);
    }
}

// ---- file helpers -------------------------------------------------------------------------

void must(bool cond, const char* what) {
    if (!cond) {
        printf("Bail out! %s: %s\n", what, strerror(errno));
        exit(1);
    }
}

void make_file(const std::string& path) {
    int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    must(fd >= 0, path.c_str());
    must(write(fd, "data\n", 5) == 5, "write");
    close(fd);
}

void make_dir(const std::string& path) {
    must(mkdir(path.c_str(), 0755) == 0 || errno == EEXIST, path.c_str());
}

std::string P(const std::string& rel) { return std::string(kRoot) + "/" + rel; }

int result(int rc) { return rc < 0 ? errno : 0; }

int try_open(const std::string& path, int flags) {
    int fd = open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

// ---- native Landlock ------------------------------------------------------------------------

bool is_dir(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// In the child: one landlock_restrict_self() per layer, outermost first.
void restrict_native(const Policy& policy) {
    must(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
    for (const Layer& layer : policy) {
        RulesetAttr attr{layer.handled_fs, layer.handled_net, layer.scoped};
        int ruleset = syscall(444 /* landlock_create_ruleset */, &attr, sizeof(attr), 0);
        must(ruleset >= 0, "landlock_create_ruleset");
        for (const FsRule& rule : layer.fs) {
            PathBeneathAttr pb{};
            pb.allowed_access = rule.access & layer.handled_fs;
            if (!is_dir(rule.path)) pb.allowed_access &= kFileRights;
            pb.parent_fd = open(rule.path.c_str(), O_PATH | O_CLOEXEC);
            must(pb.parent_fd >= 0, rule.path.c_str());
            must(syscall(445, ruleset, 1 /* PATH_BENEATH */, &pb, 0) == 0, "landlock_add_rule");
            close(pb.parent_fd);
        }
        for (const NetRule& rule : layer.net) {
            NetPortAttr np{rule.access & layer.handled_net, rule.port};
            must(syscall(445, ruleset, 2 /* NET_PORT */, &np, 0) == 0, "landlock_add_rule net");
        }
        must(syscall(446, ruleset, 0) == 0, "landlock_restrict_self");
        close(ruleset);
    }
}

// ---- cgroup mode ----------------------------------------------------------------------------

uint32_t next_policy_id = 1;
int next_cgroup = 0;

uint64_t cgroup_id_of(const std::string& dir) {
    struct stat st;
    must(stat(dir.c_str(), &st) == 0, dir.c_str());
    return st.st_ino;
}

// The inode identities as the programs see them, through llh_identify and inode_getattr: one
// question, one fstat() per path, one read. `count` gets how many slots the program filled.
bool identify_all(const std::vector<std::string>& paths, std::vector<llh_inode_key>& keys, uint32_t* count = nullptr) {
    uint32_t tid = gettid();
    llh_identity id{};
    id.state = LLH_IDENTIFY_ASKED;
    int map = bpf_map__fd(skel->maps.llh_identify);
    if (bpf_map_update_elem(map, &tid, &id, BPF_ANY)) return false;
    bool stat_ok = true;
    for (const std::string& path : paths) {
        int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
        struct stat st;
        stat_ok = stat_ok && fd >= 0 && fstat(fd, &st) == 0;
        if (fd >= 0) close(fd);
    }
    bool found = bpf_map_lookup_elem(map, &tid, &id) == 0;
    bpf_map_delete_elem(map, &tid);
    if (count) *count = found ? id.count : 0;
    if (!stat_ok || !found || id.count != paths.size()) return false;
    for (uint32_t i = 0; i < id.count; ++i) {
        llh_inode_key key{};
        key.generation = id.slots[i].generation;
        key.ino = id.slots[i].ino;
        key.dev = id.slots[i].dev;
        keys.push_back(key);
    }
    return true;
}

bool identify(const std::string& path, llh_inode_key* key) {
    std::vector<llh_inode_key> keys;
    if (!identify_all({path}, keys)) return false;
    *key = keys.front();
    return true;
}

struct CgroupPolicy {
    std::vector<std::string> dirs;  // outermost first
    std::vector<uint64_t> ids;
    std::vector<llh_domain> domains;  // by id
    std::vector<llh_inode_key> rules;
    std::vector<llh_port_key> ports;
};

// The loader's duty after each change of llh_domains (kernel/llh_bpf_abi.h, llh_generation).
void next_generation() {
    const int map = bpf_map__fd(skel->maps.llh_generation);
    const uint32_t key = 0;
    uint64_t generation = 0;
    must(bpf_map_lookup_elem(map, &key, &generation) == 0, "read llh_generation");
    ++generation;
    must(bpf_map_update_elem(map, &key, &generation, BPF_ANY) == 0, "write llh_generation");
}

void put_domains(const CgroupPolicy& cp) {
    for (size_t i = 0; i < cp.ids.size(); ++i)
        must(bpf_map_update_elem(bpf_map__fd(skel->maps.llh_domains), &cp.ids[i], &cp.domains[i], BPF_ANY) == 0,
             "domain");
    next_generation();
}

void remove_domains(const CgroupPolicy& cp) {
    for (uint64_t id : cp.ids) bpf_map_delete_elem(bpf_map__fd(skel->maps.llh_domains), &id);
    next_generation();
}

// Nested cgroups llh-smoke/N/l0/l1..., one domain per layer.
CgroupPolicy attach_cgroup(const Policy& policy) {
    CgroupPolicy cp;
    std::string dir = std::string(kCgroupRoot) + "/" + std::to_string(next_cgroup++);
    make_dir(dir);
    int fs_rules = bpf_map__fd(skel->maps.llh_fs_rules);
    int net_rules = bpf_map__fd(skel->maps.llh_net_rules);
    for (size_t i = 0; i < policy.size(); ++i) {
        const Layer& layer = policy[i];
        dir += "/l" + std::to_string(i);
        make_dir(dir);
        cp.dirs.push_back(dir);
        uint64_t id = cgroup_id_of(dir);
        cp.ids.push_back(id);
        llh_domain dom{};
        dom.policy_id = next_policy_id++;
        dom.cgroup_level = 3 + i;  // /sys/fs/cgroup/llh-smoke/N/l0...
        dom.handled_fs = layer.handled_fs;
        dom.handled_net = layer.handled_net;
        dom.scoped = layer.scoped;
        for (const FsRule& rule : layer.fs) {
            llh_inode_key key{};
            must(identify(rule.path, &key), ("identify " + rule.path).c_str());
            key.policy_id = dom.policy_id;
            uint64_t access = rule.access & layer.handled_fs, old = 0;
            if (!is_dir(rule.path)) access &= kFileRights;
            if (bpf_map_lookup_elem(fs_rules, &key, &old) == 0) access |= old;
            must(bpf_map_update_elem(fs_rules, &key, &access, BPF_ANY) == 0, "fs rule");
            cp.rules.push_back(key);
        }
        for (const NetRule& rule : layer.net) {
            llh_port_key key{dom.policy_id, rule.port};
            uint32_t access = rule.access & layer.handled_net;
            must(bpf_map_update_elem(net_rules, &key, &access, BPF_ANY) == 0, "net rule");
            cp.ports.push_back(key);
        }
        cp.domains.push_back(dom);
    }
    put_domains(cp);
    return cp;
}

void detach_cgroup(const CgroupPolicy& cp) {
    remove_domains(cp);
    for (const auto& key : cp.rules) bpf_map_delete_elem(bpf_map__fd(skel->maps.llh_fs_rules), &key);
    for (const auto& key : cp.ports) bpf_map_delete_elem(bpf_map__fd(skel->maps.llh_net_rules), &key);
    for (auto it = cp.dirs.rbegin(); it != cp.dirs.rend(); ++it) rmdir(it->c_str());
    if (!cp.dirs.empty()) rmdir(cp.dirs.front().substr(0, cp.dirs.front().rfind('/')).c_str());
}

void enter_cgroup(const std::string& dir) {
    std::string procs = dir + "/cgroup.procs";
    int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    must(fd >= 0, procs.c_str());
    must(write(fd, "0", 1) == 1, "cgroup.procs");
    close(fd);
}

// ---- running a case -------------------------------------------------------------------------

using Op = std::function<int()>;
enum class Mode { native, cgroup };

int wait_child(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 1000 + WTERMSIG(status);
}

int run(Mode mode, const Policy& policy, const Op& op, const std::function<void()>& fixup) {
    CgroupPolicy cp;
    if (mode == Mode::cgroup) cp = attach_cgroup(policy);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (mode == Mode::native)
            restrict_native(policy);
        else
            enter_cgroup(cp.dirs.back());
        _exit(op() & 0xff);
    }
    int rc = wait_child(pid);
    if (mode == Mode::cgroup) detach_cgroup(cp);
    if (fixup) fixup();  // as root, outside any sandbox
    return rc;
}

void check(const std::string& name, const Policy& policy, int expected, const Op& op,
           const std::function<void()>& fixup = nullptr) {
    int native = run(Mode::native, policy, op, fixup);
    drain_events();
    int cgroup = run(Mode::cgroup, policy, op, fixup);
    std::string evs = drain_events();
    bool pass = native == expected && cgroup == expected;
    ok(pass, name,
       pass ? "" : "expected " + errno_name(expected) + ", native " + errno_name(native) +
                       ", cgroup " + errno_name(cgroup) + " [" + evs + "]");
}

void check_cgroup(const std::string& name, const Policy& policy, int expected, const Op& op) {
    drain_events();
    int cgroup = run(Mode::cgroup, policy, op, nullptr);
    std::string evs = drain_events();
    ok(cgroup == expected, name + " (cgroup mode only)",
       cgroup == expected ? "" : "expected " + errno_name(expected) + ", got " + errno_name(cgroup) + " [" + evs + "]");
}

// ---- the tree -------------------------------------------------------------------------------

void build_tree() {
    make_dir(kRoot);
    for (const char* d : {"a", "b", "c", "a/sub", "b/sub", "ro", "mnt", "deep", "dev"}) make_dir(P(d));
    for (const char* f : {"a/f", "a/g", "a/sub/f", "b/f", "b/sub/f", "c/f", "ro/f", "top"})
        make_file(P(f));
}

Layer fs_layer(std::vector<FsRule> rules) {
    Layer layer;
    layer.handled_fs = kFsAll;
    layer.fs = std::move(rules);
    return layer;
}

// ---- cases ----------------------------------------------------------------------------------

// A child in `cgroup` that runs `before` (which must give 0), lets the parent run `between`, then
// exits with what `after` gives: for cases where the maps change under a running task.
int run_around(const std::string& cgroup, const Op& before, const std::function<void()>& between, const Op& after) {
    int ready[2], go[2];
    must(pipe(ready) == 0 && pipe(go) == 0, "pipe");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        enter_cgroup(cgroup);
        char byte = 0;
        if (before() != 0) _exit(200);
        if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 1) _exit(201);
        _exit(after() & 0xff);
    }
    char byte = 0;
    must(read(ready[0], &byte, 1) == 1, "child ready");
    between();
    must(write(go[1], &byte, 1) == 1, "go");
    const int rc = wait_child(pid);
    for (int fd : {ready[0], ready[1], go[0], go[1]}) close(fd);
    return rc;
}

// The programs remember, per cgroup, that no domain is above it (tasks outside every sandbox pay
// one lookup). A task whose cgroup is remembered so must be held from the moment a domain is
// attached above it, without leaving its cgroup: here one that opened files freely before.
void remembered_outside_case() {
    Policy policy{fs_layer({{P("a"), kRead}})}, outer{fs_layer({{P("a"), kRead}}), fs_layer({{"/", kRead}})};
    for (const Policy* each : {&policy, &outer}) {
        const CgroupPolicy cp = attach_cgroup(*each);
        remove_domains(cp);
        CgroupPolicy attach = cp;  // outer: only the parent's domain (ro a), none on the task's cgroup
        if (each == &outer) {
            attach.ids.resize(1);
            attach.domains.resize(1);
        }
        const int rc = run_around(
            cp.dirs.back(), [] { return try_open(P("b/f"), O_RDONLY); }, [&] { put_domains(attach); },
            [] { return try_open(P("a/f"), O_RDONLY) != 0 ? 202 : try_open(P("b/f"), O_RDONLY); });
        detach_cgroup(cp);
        ok(rc == EACCES,
           std::string("a task remembered outside every domain is held once one is attached ") +
               (each == &policy ? "to its cgroup" : "to its parent cgroup") + " (cgroup mode only)",
           "expected EACCES, got " + errno_name(rc));
    }
}

void open_cases() {
    Policy ro_a{fs_layer({{P("a"), kRead}})};
    check("open O_RDONLY beneath a read rule", ro_a, 0, [] { return try_open(P("a/f"), O_RDONLY); });
    check("open O_RDONLY outside any rule", ro_a, EACCES,
          [] { return try_open(P("b/f"), O_RDONLY); });
    check("open O_WRONLY beneath a read-only rule", ro_a, EACCES,
          [] { return try_open(P("a/f"), O_WRONLY); });
    check("open a directory needs READ_DIR", Policy{fs_layer({{P("a"), kReadFile}})}, EACCES,
          [] { return try_open(P("a/sub"), O_RDONLY | O_DIRECTORY); });
    check("rule on a file", Policy{fs_layer({{P("a/f"), kReadFile}})}, 0,
          [] { return try_open(P("a/f"), O_RDONLY); });
    check("rule on a file does not cover its sibling", Policy{fs_layer({{P("a/f"), kReadFile}})},
          EACCES, [] { return try_open(P("a/g"), O_RDONLY); });
    check("O_PATH is not restricted", ro_a, 0, [] { return try_open(P("b/f"), O_PATH); });
    check("rule on the root covers everything", Policy{fs_layer({{"/", kRead}})}, 0,
          [] { return try_open(P("b/sub/f"), O_RDONLY); });
    check("pipes (SB_NOUSER) through /proc/self/fd", ro_a, 0, [] {
        int p[2];
        if (pipe(p)) return errno;
        return try_open("/proc/self/fd/" + std::to_string(p[0]), O_RDONLY);
    });
    check("unhandled right is allowed", Policy{Layer{kReadFile, 0, 0, {}, {}}}, 0,
          [] { return try_open(P("a/f"), O_WRONLY); });

    remembered_outside_case();

    // Layers: both must allow.
    Policy two{fs_layer({{P(""), kRead}}), fs_layer({{P("a"), kRead}})};
    check("two layers, both allow", two, 0, [] { return try_open(P("a/f"), O_RDONLY); });
    check("two layers, inner denies", two, EACCES, [] { return try_open(P("b/f"), O_RDONLY); });
    Policy two_rev{fs_layer({{P("a"), kRead}}), fs_layer({{P(""), kRead}})};
    check("two layers, outer denies", two_rev, EACCES, [] { return try_open(P("b/f"), O_RDONLY); });
}

void exec_cases() {
    // /bin/busybox (static) copied beneath a: exec needs EXECUTE and READ_FILE.
    Policy rx{fs_layer({{P("a"), kRead | kExecute}, {"/", kRead}})};
    Policy r{fs_layer({{"/", kRead}})};
    auto exec_true = [] {
        pid_t pid = fork();
        if (pid == 0) {
            execl(P("a/busybox").c_str(), "true", (char*)nullptr);
            _exit(errno);
        }
        return wait_child(pid);
    };
    check("exec with EXECUTE", rx, 0, exec_true);
    check("exec without EXECUTE", r, EACCES, exec_true);
}

void truncate_cases() {
    Policy rw{fs_layer({{P("a"), kRead | kWriteFile}})};
    Policy rwt{fs_layer({{P("a"), kRead | kWriteFile | kTruncate}})};
    check("truncate(2) without TRUNCATE", rw, EACCES, [] { return result(truncate(P("a/f").c_str(), 5)); });
    check("truncate(2) with TRUNCATE", rwt, 0, [] { return result(truncate(P("a/f").c_str(), 5)); });
    check("open O_TRUNC without TRUNCATE", rw, EACCES,
          [] { return try_open(P("a/f"), O_WRONLY | O_TRUNC); });
    check("open O_TRUNC with TRUNCATE", rwt, 0, [] { return try_open(P("a/f"), O_WRONLY | O_TRUNC); });
    check("ftruncate without TRUNCATE at open", rw, EACCES, [] {
        int fd = open(P("a/f").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return 100 + errno;
        int rc = result(ftruncate(fd, 5));
        close(fd);
        return rc;
    });
    check("ftruncate with TRUNCATE at open", rwt, 0, [] {
        int fd = open(P("a/f").c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return 100 + errno;
        int rc = result(ftruncate(fd, 5));
        close(fd);
        return rc;
    });
}

void ioctl_cases() {
    Policy dev_ro{fs_layer({{"/dev", kRead | kWriteFile}})};
    Policy dev_ioctl{fs_layer({{"/dev", kRead | kWriteFile | kIoctlDev}})};
    auto fionread = [] {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return 100 + errno;
        int n = 0;
        int rc = ioctl(fd, FIONREAD, &n) < 0 ? errno : 0;
        close(fd);
        return rc == ENOTTY || rc == EINVAL ? 0 : rc;  // the device's own answer is not ours
    };
    auto fioclex = [] {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) return 100 + errno;
        int rc = ioctl(fd, FIOCLEX) < 0 ? errno : 0;
        close(fd);
        return rc;
    };
    check("device ioctl without IOCTL_DEV", dev_ro, EACCES, fionread);
    check("device ioctl with IOCTL_DEV", dev_ioctl, 0, fionread);
    check("FIOCLEX is always allowed", dev_ro, 0, fioclex);
}

int first_error(int a, int b) { return a ? a : b; }

void create_cases() {
    Policy mk{fs_layer({{P("a"), kReadFile | kMakeDir | kMakeReg | kMakeFifo | kMakeSym | kRemoveFile |
                                     kRemoveDir}})};
    check("mkdir with MAKE_DIR, rmdir with REMOVE_DIR", mk, 0, [] {
        int rc = result(mkdir(P("a/newdir").c_str(), 0755));
        return first_error(rc, result(rmdir(P("a/newdir").c_str())));
    });
    check("mkdir without MAKE_DIR", mk, EACCES, [] { return result(mkdir(P("b/newdir").c_str(), 0755)); });
    check("mkfifo with MAKE_FIFO, unlink with REMOVE_FILE", mk, 0, [] {
        int rc = result(mkfifo(P("a/fifo").c_str(), 0644));
        return first_error(rc, result(unlink(P("a/fifo").c_str())));
    });
    check("mknod S_IFSOCK without MAKE_SOCK", mk, EACCES,
          [] { return result(mknod(P("a/sock").c_str(), S_IFSOCK | 0644, 0)); });
    check("open O_CREAT with MAKE_REG", mk, 0,
          [] { return try_open(P("a/created"), O_RDONLY | O_CREAT | O_EXCL); },
          [] { unlink(P("a/created").c_str()); });
    check("open O_CREAT without MAKE_REG", mk, EACCES,
          [] { return try_open(P("b/created"), O_RDONLY | O_CREAT | O_EXCL); },
          [] { unlink(P("b/created").c_str()); });
    check("symlink with MAKE_SYM", mk, 0, [] { return result(symlink("f", P("a/link").c_str())); },
          [] { unlink(P("a/link").c_str()); });
    check("unlink without REMOVE_FILE", mk, EACCES, [] { return result(unlink(P("b/f").c_str())); });
    check("rmdir without REMOVE_DIR", mk, EACCES, [] { return result(rmdir(P("b/sub").c_str())); });
}

void refer_cases() {
    const uint64_t mv = kMakeReg | kRemoveFile;
    auto rename_af = [] { return result(rename(P("a/f").c_str(), P("b/moved").c_str())); };
    auto restore_af = [] { rename(P("b/moved").c_str(), P("a/f").c_str()); };
    auto link_af = [] { return result(link(P("a/f").c_str(), P("b/linked").c_str())); };
    auto unlink_linked = [] { unlink(P("b/linked").c_str()); };
    auto exchange = [] {
        return result(syscall(SYS_renameat2, AT_FDCWD, P("a/f").c_str(), AT_FDCWD, P("b/f").c_str(),
                              2 /* RENAME_EXCHANGE */));
    };
    // Swaps back when the sandboxed exchange succeeded.
    struct stat st;
    must(stat(P("a/f").c_str(), &st) == 0, "a/f");
    ino_t a_ino = st.st_ino;
    auto unexchange = [a_ino] {
        struct stat now;
        if (stat(P("a/f").c_str(), &now) == 0 && now.st_ino != a_ino)
            syscall(SYS_renameat2, AT_FDCWD, P("a/f").c_str(), AT_FDCWD, P("b/f").c_str(), 2);
    };
    check("rename within one directory needs no REFER", Policy{fs_layer({{P("a"), mv}})}, 0,
          [] { return result(rename(P("a/f").c_str(), P("a/f2").c_str())); },
          [] { rename(P("a/f2").c_str(), P("a/f").c_str()); });
    check("rename across directories without REFER", Policy{fs_layer({{P("a"), mv}, {P("b"), mv}})},
          EXDEV, rename_af, restore_af);
    check("rename with REFER, same rights",
          Policy{fs_layer({{P("a"), mv | kRefer}, {P("b"), mv | kRefer}})}, 0, rename_af, restore_af);
    check("rename with REFER, destination grants more",
          Policy{fs_layer({{P("a"), mv | kRefer}, {P("b"), mv | kRefer | kReadFile}})}, EXDEV,
          rename_af, restore_af);
    check("rename with REFER, destination grants less",
          Policy{fs_layer({{P("a"), mv | kRefer | kReadFile}, {P("b"), mv | kRefer}})}, 0, rename_af,
          restore_af);
    check("rename, destination lacks MAKE_REG: EACCES before EXDEV",
          Policy{fs_layer({{P("a"), mv}, {P("b"), kRemoveFile}})}, EACCES, rename_af, restore_af);
    check("rename, source lacks REMOVE_FILE", Policy{fs_layer({{P("a"), kMakeReg | kRefer}, {P("b"), mv | kRefer}})},
          EACCES, rename_af, restore_af);
    check("rename with REFER, the file's own rule moves with it",
          Policy{fs_layer({{P("a"), mv | kRefer}, {P("a/f"), kReadFile}, {P("b"), mv | kRefer}})}, 0,
          rename_af, restore_af);
    check("rename with REFER, source dir grants what the destination lacks",
          Policy{fs_layer({{P("a"), mv | kRefer | kReadFile}, {P("b"), mv | kRefer}, {P("b"), kReadFile | kExecute}})},
          EXDEV, rename_af, restore_af);
    check("link with REFER, same rights",
          Policy{fs_layer({{P("a"), mv | kRefer}, {P("b"), mv | kRefer}})}, 0, link_af, unlink_linked);
    check("link without REFER", Policy{fs_layer({{P("a"), mv}, {P("b"), mv}})}, EXDEV, link_af,
          unlink_linked);
    check("link, destination lacks MAKE_REG",
          Policy{fs_layer({{P("a"), mv | kRefer}, {P("b"), kRefer}})}, EACCES, link_af, unlink_linked);
    check("RENAME_EXCHANGE, rights differ",
          Policy{fs_layer({{P("a"), mv | kRefer | kReadFile}, {P("b"), mv | kRefer}})}, EXDEV, exchange,
          unexchange);
    check("RENAME_EXCHANGE, same rights",
          Policy{fs_layer({{P("a"), mv | kRefer}, {P("b"), mv | kRefer}})}, 0, exchange, unexchange);
    check("rename a directory, REFER on the common parent",
          Policy{fs_layer({{P(""), kMakeDir | kRemoveDir | kRefer | kRead}})}, 0,
          [] { return result(rename(P("a/sub").c_str(), P("b/sub2").c_str())); },
          [] { rename(P("b/sub2").c_str(), P("a/sub").c_str()); });
    check("rename a directory into a less restricted place",
          Policy{fs_layer({{P("a"), kMakeDir | kRemoveDir | kRefer}, {P("b"), kMakeDir | kRemoveDir | kRefer | kRead}})},
          EXDEV, [] { return result(rename(P("a/sub").c_str(), P("b/sub2").c_str())); },
          [] { rename(P("b/sub2").c_str(), P("a/sub").c_str()); });
    check("two layers: refer allowed by both",
          Policy{fs_layer({{P(""), mv | kRefer}}), fs_layer({{P("a"), mv | kRefer}, {P("b"), mv | kRefer}})},
          0, rename_af, restore_af);
    check("two layers: outer lacks REFER",
          Policy{fs_layer({{P(""), mv}}), fs_layer({{P("a"), mv | kRefer}, {P("b"), mv | kRefer}})},
          EXDEV, rename_af, restore_af);
}

void mount_cases() {
    Policy ro{fs_layer({{"/", kRead}})};
    check("mount denied", ro, EPERM, [] { return result(mount("none", P("mnt").c_str(), "tmpfs", 0, nullptr)); });
    check("pivot_root denied", ro, EPERM,
          [] { return result(syscall(SYS_pivot_root, P("a").c_str(), P("a/sub").c_str())); });
    Policy net_only{Layer{0, kBindTcp, 0, {}, {}}};
    check("mount allowed when no layer handles fs", net_only, 0, [] {
        int rc = result(mount("none", P("mnt").c_str(), "tmpfs", 0, nullptr));
        if (rc == 0) umount(P("mnt").c_str());
        return rc;
    });
    // A bind mount made outside: the rule on its source applies, the one on its mount point's
    // parent too (the walk crosses mount points upwards), the hidden mount point does not.
    must(mount(P("a/sub").c_str(), P("mnt").c_str(), nullptr, MS_BIND, nullptr) == 0, "bind mount");
    check("bind mount: rule on the source", Policy{fs_layer({{P("a/sub"), kRead}})}, 0,
          [] { return try_open(P("mnt/f"), O_RDONLY); });
    check("bind mount: rule above the mount point", Policy{fs_layer({{P(""), kRead}})}, 0,
          [] { return try_open(P("mnt/f"), O_RDONLY); });
    check("bind mount: rule on the source's parent does not apply",
          Policy{fs_layer({{P("a"), kRead}})}, EACCES, [] { return try_open(P("mnt/f"), O_RDONLY); });
    check("bind mount: a rule given through the mount point is on the mounted root",
          Policy{fs_layer({{P("mnt"), kRead}})}, 0, [] { return try_open(P("mnt/f"), O_RDONLY); });
    check("umount denied", ro, EPERM, [] { return result(umount(P("mnt").c_str())); });
    umount(P("mnt").c_str());
}

void deep_cases() {
    // depth 300 beneath deep/, rule on deep/
    std::string path = P("deep");
    for (int i = 0; i < 300; ++i) {
        path += "/d";
        make_dir(path);
    }
    make_file(path + "/f");
    check("depth 300, rule at the top", Policy{fs_layer({{P("deep"), kRead}})}, 0,
          [path] { return try_open(path + "/f", O_RDONLY); });
    check("depth 300, no rule", Policy{fs_layer({{P("a"), kRead}})}, EACCES,
          [path] { return try_open(path + "/f", O_RDONLY); });
}

void deep_bound_case() {
    // Deeper than LLH_MAX_WALK: cgroup mode denies although a rule at the top allows.
    int fd = open(P("deep").c_str(), O_PATH | O_DIRECTORY);
    must(fd >= 0, "deep");
    must(mkdirat(fd, "bound", 0755) == 0 || errno == EEXIST, "bound");
    int dir = openat(fd, "bound", O_PATH | O_DIRECTORY);
    close(fd);
    for (int i = 0; i < LLH_MAX_WALK + 10; ++i) {
        if (mkdirat(dir, "d", 0755) && errno != EEXIST) must(false, "mkdirat");
        int next = openat(dir, "d", O_PATH | O_DIRECTORY);
        must(next >= 0, "openat");
        close(dir);
        dir = next;
    }
    int leaf = openat(dir, "f", O_CREAT | O_WRONLY, 0644);
    must(leaf >= 0, "leaf");
    close(leaf);
    std::string proc = "/proc/self/fd/" + std::to_string(dir) + "/f";
    check_cgroup("deeper than LLH_MAX_WALK: denied", Policy{fs_layer({{P("deep"), kRead}})}, EACCES,
                 [proc] { return try_open(proc, O_RDONLY); });
    close(dir);
}

int tcp_socket(int family) { return socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0); }

int bind_port(int family, uint16_t port) {
    int fd = tcp_socket(family);
    if (fd < 0) return 100 + errno;
    int rc;
    if (family == AF_INET) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = result(bind(fd, (sockaddr*)&sa, sizeof(sa)));
    } else {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        sa.sin6_addr = in6addr_loopback;
        rc = result(bind(fd, (sockaddr*)&sa, sizeof(sa)));
    }
    close(fd);
    return rc;
}

int connect_port(uint16_t port) {
    int fd = tcp_socket(AF_INET);
    if (fd < 0) return 100 + errno;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = result(connect(fd, (sockaddr*)&sa, sizeof(sa)));
    close(fd);
    return rc;
}

void net_cases() {
    Layer net;
    net.handled_net = kBindTcp | kConnectTcp;
    net.net = {{8080, kBindTcp}, {8443, kConnectTcp}};
    Policy p{net};
    check("bind an allowed port", p, 0, [] { return bind_port(AF_INET, 8080); });
    check("bind a denied port", p, EACCES, [] { return bind_port(AF_INET, 8081); });
    check("bind an allowed port, IPv6", p, 0, [] { return bind_port(AF_INET6, 8080); });
    check("bind a denied port, IPv6", p, EACCES, [] { return bind_port(AF_INET6, 9090); });
    check("connect an allowed port (nobody listens)", p, ECONNREFUSED, [] { return connect_port(8443); });
    check("connect a denied port", p, EACCES, [] { return connect_port(8080); });
    check("UDP is not restricted", p, 0, [] {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(9999);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = result(bind(fd, (sockaddr*)&sa, sizeof(sa)));
        close(fd);
        return rc;
    });
    check("connect AF_UNSPEC is allowed", p, 0, [] {
        int fd = tcp_socket(AF_INET);
        sockaddr_in sa{};
        sa.sin_family = AF_UNSPEC;
        int rc = result(connect(fd, (sockaddr*)&sa, sizeof(sa)));
        close(fd);
        return rc;
    });
    check("bind AF_UNSPEC with a non-any address", p, EAFNOSUPPORT, [] {
        int fd = tcp_socket(AF_INET);
        sockaddr_in sa{};
        sa.sin_family = AF_UNSPEC;
        sa.sin_port = htons(8080);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = result(bind(fd, (sockaddr*)&sa, sizeof(sa)));
        close(fd);
        return rc;
    });
    check("bind with a short address", p, EINVAL, [] {
        int fd = tcp_socket(AF_INET);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        int rc = result(bind(fd, (sockaddr*)&sa, 8));
        close(fd);
        return rc;
    });
    check("bind an IPv4 address on an IPv6 socket", p, EINVAL, [] {
        int fd = tcp_socket(AF_INET6);
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET;
        int rc = result(bind(fd, (sockaddr*)&sa, sizeof(sa)));
        close(fd);
        return rc;
    });
}

pid_t spawn_sleeper() {
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    return pid;
}

int unix_server(const char* name) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    size_t len = strlen(name);
    memcpy(sa.sun_path + 1, name, len);
    must(bind(fd, (sockaddr*)&sa, offsetof(sockaddr_un, sun_path) + 1 + len) == 0, "bind abstract");
    must(listen(fd, 8) == 0, "listen");
    return fd;
}

int unix_connect(const char* name) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    size_t len = strlen(name);
    memcpy(sa.sun_path + 1, name, len);
    int rc = result(connect(fd, (sockaddr*)&sa, offsetof(sockaddr_un, sun_path) + 1 + len));
    close(fd);
    return rc;
}

void scope_cases() {
    Policy sig{Layer{0, 0, kScopeSignal, {}, {}}};
    Policy uds{Layer{0, 0, kScopeUnix, {}, {}}};
    Policy none{Layer{kReadFile, 0, 0, {}, {}}};
    pid_t outside = spawn_sleeper();
    check("signal a task outside the domain", sig, EPERM, [outside] { return result(kill(outside, 0)); });
    check("signal a task outside, unscoped", none, 0, [outside] { return result(kill(outside, 0)); });
    check("signal a task inside the domain", sig, 0, [] {
        pid_t child = spawn_sleeper();
        int rc = result(kill(child, SIGTERM));
        waitpid(child, nullptr, 0);
        return rc;
    });
    check("ptrace a task outside the domain", none, EPERM,
          [outside] { return result(ptrace(PTRACE_ATTACH, outside, nullptr, nullptr)); });
    check("ptrace a task inside the domain", none, 0, [] {
        pid_t child = spawn_sleeper();
        int rc = result(ptrace(PTRACE_ATTACH, child, nullptr, nullptr));
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        return rc;
    });
    kill(outside, SIGKILL);
    waitpid(outside, nullptr, 0);

    int server = unix_server("llh-smoke");
    check("abstract unix socket outside the domain", uds, EPERM, [] { return unix_connect("llh-smoke"); });
    check("abstract unix socket outside, unscoped", none, 0, [] { return unix_connect("llh-smoke"); });
    check("abstract unix socket inside the domain", uds, 0, [] {
        int own = unix_server("llh-smoke-inner");
        int rc = unix_connect("llh-smoke-inner");
        close(own);
        return rc;
    });
    close(server);

    int dgram = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un da{};
    da.sun_family = AF_UNIX;
    memcpy(da.sun_path + 1, "llh-dgram", 9);
    socklen_t dlen = offsetof(sockaddr_un, sun_path) + 10;
    must(bind(dgram, (sockaddr*)&da, dlen) == 0, "bind dgram");
    check("abstract datagram outside the domain", uds, EPERM, [da, dlen] {
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int rc = sendto(fd, "x", 1, 0, (const sockaddr*)&da, dlen) < 0 ? errno : 0;
        close(fd);
        return rc;
    });
    close(dgram);
}

void event_case() {
    drain_events();
    run(Mode::cgroup, Policy{fs_layer({{P("a"), kRead}})}, [] { return try_open(P("b/f"), O_RDONLY); },
        nullptr);
    std::string evs = drain_events();
    bool found = false;
    for (const llh_event& ev : seen_events)
        found |= ev.kind == LLH_EVENT_FS && ev.error == EACCES && ev.access == kReadFile &&
                 std::string(ev.name) == "f";
    ok(found, "a denial emits an llh_event", evs);
}

void guard_cases() {
    Policy net_only{Layer{0, kBindTcp, 0, {}, {}}};
    check_cgroup("write-open cgroup.procs", net_only, EPERM,
                 [] { return try_open("/sys/fs/cgroup/cgroup.procs", O_WRONLY); });
    check_cgroup("read-open cgroup.procs", net_only, 0,
                 [] { return try_open("/sys/fs/cgroup/cgroup.procs", O_RDONLY); });
    struct bpf_map_info info {};
    uint32_t len = sizeof(info);
    must(bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.llh_domains), &info, &len) == 0, "map info");
    uint32_t map_id = info.id;
    check_cgroup("BPF_MAP_GET_FD_BY_ID", net_only, EPERM, [map_id] {
        int fd = bpf_map_get_fd_by_id(map_id);
        if (fd >= 0) close(fd);
        return fd < 0 ? -fd : 0;
    });
    must(bpf_obj_pin(bpf_map__fd(skel->maps.llh_rate), "/sys/fs/bpf/llh-smoke-pin") == 0, "pin");
    check_cgroup("unlink a bpffs pin", net_only, EPERM,
                 [] { return result(unlink("/sys/fs/bpf/llh-smoke-pin")); });
    check_cgroup("BPF_OBJ_GET of a pin", net_only, EPERM, [] {
        int fd = bpf_obj_get("/sys/fs/bpf/llh-smoke-pin");
        if (fd >= 0) close(fd);
        return fd < 0 ? -fd : 0;
    });
    unlink("/sys/fs/bpf/llh-smoke-pin");
    check_cgroup("clone3(CLONE_INTO_CGROUP)", net_only, EPERM, [] {
        int cg = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct {
            uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
                set_tid, set_tid_size, cgroup;
        } args{};
        args.flags = 0x200000000ULL;  // CLONE_INTO_CGROUP
        args.exit_signal = SIGCHLD;
        args.cgroup = cg;
        long pid = syscall(SYS_clone3, &args, sizeof(args));
        if (pid == 0) _exit(0);
        int rc = pid < 0 ? errno : 0;
        if (pid > 0) waitpid(pid, nullptr, 0);
        return rc;
    });
}

// ---- escape attempts ------------------------------------------------------------------------
// What a task in a sandboxed cgroup could try to get out of its policy. Each must fail in cgroup
// mode; where native Landlock gives the same answer, both modes run.

int write_text(const std::string& path, const char* text) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    int rc = write(fd, text, strlen(text)) < 0 ? errno : 0;
    close(fd);
    return rc;
}

// The op in a new mount namespace. As root the child keeps CAP_SYS_ADMIN in both modes (Landlock
// does not restrict unshare), so the mount calls below are refused by the sandbox or not at all.
// 100+errno when unshare itself fails.
Op in_new_mount_namespace(Op op) {
    return [op] { return unshare(CLONE_NEWNS) ? 100 + errno : op(); };
}

void mount_namespace_escapes() {
    Policy ro_a{fs_layer({{P("a"), kRead}})};  // b/ is denied
    check("new mount namespace: tmpfs over a denied directory", ro_a, EPERM, in_new_mount_namespace([] {
              return result(mount("none", P("b").c_str(), "tmpfs", 0, nullptr));
          }));
    check("new mount namespace: bind-mount an allowed directory over a denied one", ro_a, EPERM,
          in_new_mount_namespace([] { return result(mount(P("a").c_str(), P("b").c_str(), nullptr, MS_BIND, nullptr)); }));
    check("new mount namespace: remount /tmp", ro_a, EPERM, in_new_mount_namespace([] {
              return result(mount(nullptr, "/tmp", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr));
          }));
    check("new mount namespace: make every mount private", ro_a, EPERM, in_new_mount_namespace([] {
              return result(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr));
          }));
    check("new mount namespace: move_mount of a cloned tree over a denied directory", ro_a, EPERM,
          in_new_mount_namespace([] {
              int tree = open_tree(AT_FDCWD, P("a").c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
              if (tree < 0) return 100 + errno;
              int rc = result(move_mount(tree, "", AT_FDCWD, P("b").c_str(), MOVE_MOUNT_F_EMPTY_PATH));
              close(tree);
              return rc;
          }));
    check("new mount namespace: after every mount attempt the denied file stays denied", ro_a, EACCES,
          in_new_mount_namespace([] {
              mount("none", P("b").c_str(), "tmpfs", 0, nullptr);
              mount(P("a").c_str(), P("b").c_str(), nullptr, MS_BIND, nullptr);
              umount2(P("b").c_str(), MNT_DETACH);
              return try_open(P("b/f"), O_RDONLY);
          }));
}

// bpf-smoke itself, copied beneath a/ and made setuid root, runs as this helper:
//   suid-helper --escape-helper open PATH   the errno of opening PATH read-only
//   suid-helper --escape-helper move        the errno of moving itself to the root cgroup
// 150 when the exec did not make it root (the case would prove nothing).
const char* const kEscapeHelperFlag = "--escape-helper";

int escape_helper(const std::string& action, const std::string& path) {
    if (geteuid() != 0) return 150;
    if (action == "open") return try_open(path, O_RDONLY);
    if (action == "move") return write_text("/sys/fs/cgroup/cgroup.procs", "0");
    return 151;
}

// As nobody, exec the setuid-root helper (from the sandboxed cgroup: run() moved us as root).
Op exec_setuid_helper(const char* action, const std::string& path = "") {
    return [action, path] {
        if (setgroups(0, nullptr) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
            return 100 + errno;
        execl(P("a/suid-helper").c_str(), "suid-helper", kEscapeHelperFlag, action, path.c_str(), (char*)nullptr);
        return 100 + errno;
    };
}

void setuid_escapes() {
    char self[4096] = {};
    must(readlink("/proc/self/exe", self, sizeof(self) - 1) > 0, "readlink /proc/self/exe");
    must(system(("cp " + std::string(self) + " " + P("a/suid-helper")).c_str()) == 0, "copy bpf-smoke");
    must(chown(P("a/suid-helper").c_str(), 0, 0) == 0 && chmod(P("a/suid-helper").c_str(), 04755) == 0,
         "setuid helper");
    // Native Landlock sets no_new_privs, so the setuid bit would give nothing there: cgroup mode
    // only, where a sandboxed task really becomes root.
    Policy rx_a{fs_layer({{P("a"), kRead | kExecute}})};
    check_cgroup("after exec of a setuid-root binary the policy holds", rx_a, EACCES,
                 exec_setuid_helper("open", P("b/f")));
    check_cgroup("after exec of a setuid-root binary the rule still allows", rx_a, 0,
                 exec_setuid_helper("open", P("a/f")));
    // With write access to /sys/fs/cgroup granted, only cgroup mode's guard stands in the way.
    Policy rx_a_cgroupfs{fs_layer({{P("a"), kRead | kExecute}, {"/sys/fs/cgroup", kRead | kWriteFile}})};
    check_cgroup("after exec of a setuid-root binary it cannot move itself to another cgroup", rx_a_cgroupfs,
                 EPERM, exec_setuid_helper("move"));
    unlink(P("a/suid-helper").c_str());
}

// Is the task alive and not frozen? (WNOHANG: a dead child is reaped here.)
bool alive(pid_t pid, const std::string& cgroup_dir = "") {
    if (waitpid(pid, nullptr, WNOHANG) != 0 || kill(pid, 0) != 0) return false;
    if (cgroup_dir.empty()) return true;
    char events[256] = {};
    int fd = open((cgroup_dir + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, events, sizeof(events) - 1) : -1;
    if (fd >= 0) close(fd);
    return n > 0 && strstr(events, "frozen 0") != nullptr;
}

void kill_escapes() {
    Policy sig{Layer{0, 0, kScopeSignal, {}, {}}};
    pid_t outsider = spawn_sleeper();
    check("SIGKILL a task outside the domain", sig, EPERM, [outsider] { return result(kill(outsider, SIGKILL)); });
    ok(alive(outsider), "the outside task survived SIGKILL from the domain");
    kill(outsider, SIGKILL);
    waitpid(outsider, nullptr, 0);

    // kCgroupRoot is an ancestor of every case's cgroup; a task in a sibling cgroup is outside.
    // Native Landlock has no equivalent (the answer depends on fs rules for /sys/fs/cgroup): cgroup
    // mode only, with a policy that handles no file-system right at all.
    const std::string sibling = std::string(kCgroupRoot) + "/outsider";
    make_dir(sibling);
    pid_t victim = spawn_sleeper();
    must(write_text(sibling + "/cgroup.procs", std::to_string(victim).c_str()) == 0, "move the outsider");
    Policy net_only{Layer{0, kBindTcp, 0, {}, {}}};
    const std::string kill_file = std::string(kCgroupRoot) + "/cgroup.kill";
    const std::string freeze_file = std::string(kCgroupRoot) + "/cgroup.freeze";
    check_cgroup("write 1 to an ancestor's cgroup.kill", net_only, EPERM,
                 [kill_file] { return write_text(kill_file, "1"); });
    // Without the guard the sandboxed child would freeze with its ancestor and never exit: a
    // watchdog outside thaws it after 30 s, and the case fails instead of hanging.
    pid_t watchdog = fork();
    if (watchdog == 0) {
        sleep(30);
        _exit(write_text(freeze_file, "0"));
    }
    check_cgroup("write 1 to an ancestor's cgroup.freeze", net_only, EPERM,
                 [freeze_file] { return write_text(freeze_file, "1"); });
    kill(watchdog, SIGKILL);
    waitpid(watchdog, nullptr, 0);
    write_text(freeze_file, "0");
    ok(alive(victim, sibling), "the task in a sibling cgroup is neither killed nor frozen");
    kill(victim, SIGKILL);
    waitpid(victim, nullptr, 0);
    rmdir(sibling.c_str());
}

void escape_cases() {
    mount_namespace_escapes();
    setuid_escapes();
    kill_escapes();
}

// llh_files/llh_fowners entries and their count (llh_file_entries), which file_free_security
// trusts to skip its lookups when it is 0: (entries, count).
std::pair<size_t, uint64_t> file_entries() {
    size_t entries = 0;
    for (int map : {bpf_map__fd(skel->maps.llh_files), bpf_map__fd(skel->maps.llh_fowners)}) {
        uint64_t key = 0, next = 0;
        for (uint64_t* at = nullptr; bpf_map_get_next_key(map, at, &next) == 0; at = &key) {
            key = next;
            ++entries;
        }
    }
    const uint32_t zero = 0;
    uint64_t counted = ~0ULL;
    must(bpf_map_lookup_elem(bpf_map__fd(skel->maps.llh_file_entries), &zero, &counted) == 0, "llh_file_entries");
    return {entries, counted};
}

// A file opened for writing without the TRUNCATE right has an entry while it is open, counted; it
// goes, and the count with it, when the file is freed. A file opened for reading alone can never
// be truncated through (ftruncate() wants a writable file): it gets none. Runs last: every
// earlier case's files are gone too.
void file_entries_case() {
    const CgroupPolicy cp = attach_cgroup(Policy{fs_layer({{P("a"), kRead | kWriteFile}})});
    std::pair<size_t, uint64_t> open_now, read_only;
    const auto open_while = [&](int flags, std::pair<size_t, uint64_t>& seen) {
        // The file stays open until the child exits.
        return run_around(
            cp.dirs.back(), [flags] { return open(P("a/f").c_str(), flags | O_CLOEXEC) < 0 ? errno : 0; },
            [&] { seen = file_entries(); }, [] { return 0; });
    };
    const int rc = open_while(O_WRONLY, open_now);
    const int rc_read = open_while(O_RDONLY, read_only);
    detach_cgroup(cp);
    const auto closed = file_entries();
    const std::pair<size_t, uint64_t> none{0, 0};
    ok(rc == 0 && open_now == std::pair<size_t, uint64_t>{1, 1} && closed == none,
       "a file's entry lives as long as the file, counted (cgroup mode only)",
       "open: " + std::to_string(open_now.first) + " entries, " + std::to_string(open_now.second) +
           " counted; freed: " + std::to_string(closed.first) + " entries, " + std::to_string(closed.second) +
           " counted");
    ok(rc_read == 0 && read_only == none, "a file opened for reading alone gets no entry (cgroup mode only)",
       "open: " + std::to_string(read_only.first) + " entries, " + std::to_string(read_only.second) + " counted");
}

void identify_case() {
    llh_inode_key key{};
    struct stat st;
    bool found = identify(P("a/f"), &key) && stat(P("a/f").c_str(), &st) == 0;
    ok(found && key.ino == st.st_ino, "inode_getattr fills llh_identify",
       found ? "ino " + std::to_string(key.ino) + " dev " + std::to_string(key.dev) +
                   " gen " + std::to_string(key.generation)
             : "no answer");

    // One question for several objects: one slot per fstat(), in order.
    const std::vector<std::string> paths{P("a/f"), P("a"), P("b"), P("a/f")};
    std::vector<llh_inode_key> keys;
    bool in_order = identify_all(paths, keys);
    std::string got;
    for (size_t i = 0; in_order && i < paths.size(); ++i) {
        in_order = stat(paths[i].c_str(), &st) == 0 && keys[i].ino == st.st_ino;
        got += " " + std::to_string(keys[i].ino);
    }
    ok(in_order, "inode_getattr answers a batch in the order of the fstat() calls", "inodes:" + got);

    // More fstat() calls than slots: the program stops at LLH_IDENTIFY_BATCH, and the count
    // shows the loader that some went unanswered.
    const std::vector<std::string> too_many(LLH_IDENTIFY_BATCH + 1, P("a/f"));
    keys.clear();
    uint32_t count = 0;
    const bool accepted = identify_all(too_many, keys, &count);
    ok(!accepted && count == LLH_IDENTIFY_BATCH, "a batch past LLH_IDENTIFY_BATCH is cut at the last slot",
       "count " + std::to_string(count) + " of " + std::to_string(too_many.size()));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == kEscapeHelperFlag)
        return escape_helper(argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "");
    libbpf_set_print(print_libbpf);
    setvbuf(stdout, nullptr, _IOLBF, 0);
    printf("TAP version 13\n");

    skel = landlock_cgroup__open();
    must(skel != nullptr, "open skeleton");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int err = landlock_cgroup__load(skel);
    ok(err == 0, "load (verifier)", err ? strerror(-err) : "");
    if (err) return 1;
    err = landlock_cgroup__attach(skel);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ok(err == 0, "attach every program",
       err ? strerror(-err)
           : std::to_string((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000) +
                 " ms load+attach");
    if (err) return 1;

    events = ring_buffer__new(bpf_map__fd(skel->maps.llh_events), on_event, nullptr, nullptr);
    must(events != nullptr, "ring buffer");
    build_tree();
    must(system(("cp /bin/busybox " + P("a/busybox")).c_str()) == 0, "copy busybox");
    make_dir(kCgroupRoot);
    identify_case();

    std::string only = argc > 1 ? argv[1] : "";
    auto want = [&](const char* group) { return only.empty() || only == group; };
    if (want("open")) open_cases();
    if (want("exec")) exec_cases();
    if (want("truncate")) truncate_cases();
    if (want("ioctl")) ioctl_cases();
    if (want("create")) create_cases();
    if (want("refer")) refer_cases();
    if (want("mount")) mount_cases();
    if (want("deep")) deep_cases();
    if (want("bound")) deep_bound_case();
    if (want("net")) net_cases();
    if (want("scope")) scope_cases();
    if (want("guard")) guard_cases();
    if (want("events")) event_case();
    if (want("escape")) escape_cases();
    file_entries_case();

    printf("1..%d\n", test_number);
    ring_buffer__free(events);
    landlock_cgroup__destroy(skel);
    rmdir(kCgroupRoot);
    return failures ? 1 : 0;
}
