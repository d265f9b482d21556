// vm-lsm-choice-bench [--levels=2,8] [--rounds=N] [--iterations=N]: global lsm/ programs keyed by
// cgroup id (what cgroup mode ships) vs BPF_LSM_CGROUP attachments, measured in the BPF LSM guest
// (bench/vm-bench.sh) with the minimal file_open programs of bench/lsm_choice.bpf.c.
//
// A policy is attached to /sys/fs/cgroup/llh-bench-choice/in (level 2). Tasks at each of --levels
// (in that cgroup or below it, and in a cgroup elsewhere at the same level) open and close a file
// with nothing attached (base), with the global program (one hash lookup per ancestor level), and
// with the lsm_cgroup program attached to the policied cgroup; states interleaved, one child per
// measurement, medians of --rounds.
//   RESULT choice_LN_{base,global,lsmcgroup}_{inside,outside}_ns
//   RESULT choice_LN_{global,lsmcgroup}_{inside,outside}_added_ns   median of (state - base) per round
// Then how many distinct hooks BPF_LSM_CGROUP accepts before attaching fails (the kernel's
// CGROUP_LSM_NUM slots, system-wide; cgroup mode would need about 30 hooks):
//   RESULT lsm_cgroup_hook_slots N, RESULT lsm_cgroup_refusal_errno E (0: none refused),
//   RESULT lsm_cgroup_refused_hook_attaches_alone 1 (the refusal was the slot limit)
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/vm_bench_support.hpp"
#include "kernel/tests/vm_support.hpp"
#include "libpolicy/unique_fd.hpp"
#include "lsm_choice.skel.h"
#include "tests/kernel/support.hpp"

namespace llh::bench {
namespace {

enum State : std::size_t { base, global, lsm_cgroup, state_count };
const char* const kStateNames[] = {"base", "global", "lsmcgroup"};
const char* const kPlaceNames[] = {"inside", "outside"};

struct SkeletonDeleter {
    void operator()(lsm_choice* skel) const { lsm_choice__destroy(skel); }
};
struct LinkDeleter {
    void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
using Link = std::unique_ptr<bpf_link, LinkDeleter>;

Link attach_link(bpf_program* program, int cgroup_fd) {
    bpf_link* link = cgroup_fd >= 0 ? bpf_program__attach_cgroup(program, cgroup_fd) : bpf_program__attach(program);
    if (link == nullptr) fail(std::string("attach ") + bpf_program__name(program) + ": " + std::strerror(errno));
    return Link(link);
}

// A chain of cgroups below `top` down to `level` (top's own level given); returns the deepest.
std::string chain(const std::string& top, int top_level, int level) {
    std::string dir = top;
    for (int i = top_level; i < level; ++i) {
        dir += "/n";
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir " + dir);
    }
    return dir;
}

std::uint64_t cgroup_id(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) fail("stat " + dir);
    return st.st_ino;
}

void hook_slots(lsm_choice* skel, int cgroup_fd) {
    std::vector<Link> links;
    int refusal = 0;
    std::string refused;
    bpf_program* program = nullptr;
    bpf_object__for_each_program(program, skel->obj) {
        const std::string name = bpf_program__name(program);
        if (name.rfind("slot_", 0) != 0) continue;
        bpf_link* link = bpf_program__attach_cgroup(program, cgroup_fd);
        if (link == nullptr) {
            refusal = errno;
            refused = name.substr(5);
            break;
        }
        links.emplace_back(link);
    }
    result("lsm_cgroup_hook_slots", static_cast<double>(links.size()));
    result("lsm_cgroup_refusal_errno", refusal);
    if (refusal) {
        // Was it the slot limit? With every slot given back the refused hook must attach. Slots
        // are returned when the shim program is freed, after an RCU grace period: poll.
        const std::size_t attached = links.size();
        links.clear();
        bpf_program* again = bpf_object__find_program_by_name(skel->obj, ("slot_" + refused).c_str());
        Link link;
        const libbpf_print_fn_t print = libbpf_set_print(nullptr);  // one refusal was printed already
        for (int i = 0; i < 100 && !link; ++i) {
            if (i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            link.reset(bpf_program__attach_cgroup(again, cgroup_fd));
        }
        libbpf_set_print(print);
        result("lsm_cgroup_refused_hook_attaches_alone", link != nullptr);
        std::printf(
            "BPF_LSM_CGROUP: %zu distinct hooks attached, the next (%s) refused: %s; once they are "
            "detached it %s\n",
            attached, refused.c_str(), std::strerror(refusal),
            link ? "attaches (the refusal was the slot limit)" : "still does not attach");
    } else {
        std::printf("BPF_LSM_CGROUP: all %zu distinct hooks tried were attached\n", links.size());
    }
}

int run(int argc, char** argv) {
    const std::vector<int> levels = list_option(argc, argv, "--levels", {2, 8});
    const int rounds = int_option(argc, argv, "--rounds", 21);
    const int iterations = int_option(argc, argv, "--iterations", 1000);
    const std::string root = test::cgroup2_root();
    if (root.empty()) fail("no cgroup2 hierarchy");
    for (int level : levels) {
        if (level < 2 || level > 30) fail("--levels: between 2 and 30");
    }

    std::unique_ptr<lsm_choice, SkeletonDeleter> skel(lsm_choice__open_and_load());
    if (!skel) fail(std::string("load bench/lsm_choice.bpf.c: ") + std::strerror(errno));

    test::TempTree tree;
    const std::string file = make_file_at_depth(tree.root(), 1);
    test::TestCgroup parent(root, "llh-bench-choice");  // level 1
    test::TestCgroup policied(parent.path(), "in"), elsewhere(parent.path(), "out");
    const UniqueFd policied_fd(::open(policied.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!policied_fd.valid()) fail("open " + policied.path());
    const std::uint64_t policied_id = cgroup_id(policied.path());
    const std::uint32_t allow = 0;
    if (bpf_map__update_elem(skel->maps.policies, &policied_id, sizeof(policied_id), &allow, sizeof(allow), BPF_ANY))
        fail("policies map");
    std::map<int, std::string> places[2];  // inside / outside, by level
    for (int level : levels) {
        places[0][level] = chain(policied.path(), 2, level);
        places[1][level] = chain(elsewhere.path(), 2, level);
    }

    // state -> place -> level -> ns
    std::map<int, std::vector<double>> samples[state_count][2];
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t state : rotated(state_count, round)) {
            Link link;
            if (state == global) link = attach_link(skel->progs.global_file_open, -1);
            if (state == lsm_cgroup) link = attach_link(skel->progs.cgroup_file_open, policied_fd.get());
            for (int place = 0; place < 2; ++place) {
                for (int level : levels) {
                    const std::string& cgroup = places[place][level];
                    samples[state][place][level].push_back(in_child([&] { return enter_cgroup(cgroup); },
                                                                    [&] { return open_close_ns(file, iterations); }));
                }
            }
        }
    }
    for (int level : levels) {
        const std::string prefix = "choice_L" + std::to_string(level) + "_";
        for (int place = 0; place < 2; ++place) {
            const auto& base_ns = samples[base][place][level];
            double added[state_count] = {};
            for (std::size_t state = 0; state < state_count; ++state) {
                const std::string name = prefix + kStateNames[state] + "_" + kPlaceNames[place];
                result(name + "_ns", median(samples[state][place][level]));
                if (state == base) continue;
                added[state] = median_added(samples[state][place][level], base_ns);
                result(name + "_added_ns", added[state]);
            }
            std::printf(
                "level %d, task %s the policied cgroup: base %.0f ns, global lsm/ adds %.0f ns, "
                "lsm_cgroup adds %.0f ns\n",
                level, kPlaceNames[place], median(base_ns), added[global], added[lsm_cgroup]);
        }
    }
    hook_slots(skel.get(), policied_fd.get());
    return 0;
}

}  // namespace
}  // namespace llh::bench

int main(int argc, char** argv) {
    return llh::bench::run(argc, argv);
}
