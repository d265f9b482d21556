// llh::cgroup::Enforcer: pins (kernel/pins.cpp), the program set (kernel/program_set.cpp), cgroup
// directories (kernel/cgroup_dir.cpp) and map entries (kernel/map_entries.cpp) put together.
#include "kernel/cgroup_enforcer.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/types.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <set>

#include "kernel/bpf_lsm_probe.hpp"
#include "kernel/bpf_map_ops.hpp"
#include "kernel/cgroup_dir.hpp"
#include "kernel/llh_bpf_abi.h"
#include "kernel/map_entries.hpp"
#include "kernel/pins.hpp"
#include "kernel/program_set.hpp"
#include "libpolicy/resolve.hpp"
#include "libpolicy/rule_objects.hpp"

namespace llh::cgroup {
namespace {

constexpr const char* kTarget = "cgroup mode (Landlock ABI 6 rights)";

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? std::string("/") : path.substr(0, slash);
}

PinPaths pin_paths(const std::string& pin_root) {
    return PinPaths{pin_root.empty() ? std::string(LLH_PIN_ROOT) : pin_root};
}

template <class T>
tl::unexpected<Error> staged(Result<T>&& result, const char* stage) {
    return tl::unexpected(std::move(result.error()).with_context(stage));
}

// Before anything is mounted or created: a kernel without usable BPF LSM gets the probe's answer
// and nothing on the system changes.
Result<void> require_bpf_lsm() {
    const BpfLsmProbe& probe = probe_bpf_lsm();
    if (probe.available == Availability::yes) return {};
    return tl::unexpected(
        Error{0,
              "BPF LSM is " + std::string(probe.available == Availability::no ? "not available" : "of unknown state") +
                  ": " + probe.reason,
              "cgroup mode needs a kernel booted with lsm=...,bpf that loads BPF LSM programs; "
              "`landlockctl features` shows what this kernel offers",
              {"probe"}});
}

Result<UniqueFd> open_map(const PinPaths& paths, const char* name) {
    UniqueFd fd(bpf_obj_get(paths.map(name).c_str()));
    if (!fd.valid()) {
        return fail_errno(errno, "cannot open the pinned map " + quoted(paths.map(name)),
                          "the attached program set lacks it: reload with this landlock-hooks version");
    }
    return fd;
}

class PinnedEnforcer final : public Enforcer {
public:
    PinnedEnforcer(PinPaths paths, UniqueFd lock_fd, UniqueFd meta, OpenInfo info)
        : paths_(std::move(paths)), lock_fd_(std::move(lock_fd)), meta_(std::move(meta)), info_(info) {}

    Result<void> open_maps() {
        for (auto [fd, name] : {std::pair{&domains_, "llh_domains"}, std::pair{&fs_rules_, "llh_fs_rules"},
                                std::pair{&net_rules_, "llh_net_rules"}, std::pair{&identify_, "llh_identify"},
                                std::pair{&orphans_, "llh_orphans"}, std::pair{&generation_, "llh_generation"}}) {
            auto opened = open_map(paths_, name);
            if (!opened) return staged(std::move(opened), "maps");
            *fd = std::move(*opened);
        }
        return {};
    }

    const OpenInfo& info() const override { return info_; }

    Result<AttachReport> attach(const AttachRequest& request, const Policy& policy) override {
        std::lock_guard<std::mutex> guard(mutex_);
        auto attached = attach_locked(request, policy);
        if (!attached) return tl::unexpected(std::move(attached.error()).with_context(request.cgroup_dir));
        return attached;
    }

    Result<bool> detach(const std::string& cgroup_dir) override {
        auto cgroup = open_cgroup_dir(cgroup_dir);
        if (!cgroup) return tl::unexpected(std::move(cgroup.error()));
        return detach_id(cgroup->id);
    }

    Result<bool> detach_id(std::uint64_t cgroup_id) override {
        std::lock_guard<std::mutex> guard(mutex_);
        auto lock = PinLock::acquire(lock_fd_.get());
        if (!lock) return tl::unexpected(std::move(lock.error()));
        auto removed = remove_domain(cgroup_id);
        if (!removed || *removed) return removed;
        // Removed already: the cgroup_rmdir program dropped the domain and left its policy here.
        return remove_orphans({cgroup_id});
    }

    Result<std::vector<Attachment>> status() override {
        std::lock_guard<std::mutex> guard(mutex_);
        std::vector<Attachment> out;
        if (auto walked = for_each<__u64, llh_domain>(domains_.get(),
                                                      [&](__u64 id, const llh_domain& domain) {
                                                          Attachment attachment;
                                                          attachment.cgroup_id = id;
                                                          attachment.policy_id = domain.policy_id;
                                                          attachment.cgroup_level = domain.cgroup_level;
                                                          attachment.handled_fs = domain.handled_fs;
                                                          attachment.handled_net = domain.handled_net;
                                                          attachment.scoped = domain.scoped;
                                                          attachment.waiting_for_exec =
                                                              (domain.flags & LLH_DOMAIN_UNTIL_EXEC) != 0;
                                                          out.push_back(attachment);
                                                      });
            !walked)
            return tl::unexpected(std::move(walked.error()).with_context("status"));
        auto counts = count_rules();
        if (!counts) return tl::unexpected(std::move(counts.error()));
        for (Attachment& attachment : out) {
            attachment.fs_rules = counts->fs[attachment.policy_id];
            attachment.net_rules = counts->net[attachment.policy_id];
            auto where = find_cgroup(attachment.cgroup_id);
            attachment.cgroup_dir = where && *where ? **where : "";
        }
        std::sort(out.begin(), out.end(), [](const Attachment& a, const Attachment& b) {
            return std::tie(a.cgroup_dir, a.cgroup_id) < std::tie(b.cgroup_dir, b.cgroup_id);
        });
        return out;
    }

    Result<std::size_t> collect() override {
        std::lock_guard<std::mutex> guard(mutex_);
        auto lock = PinLock::acquire(lock_fd_.get());
        if (!lock) return tl::unexpected(std::move(lock.error()));

        std::vector<__u64> gone;
        std::set<std::uint32_t> live;
        std::map<__u64, std::uint32_t> domains;
        if (auto walked = for_each<__u64, llh_domain>(
                domains_.get(), [&](__u64 id, const llh_domain& domain) { domains.emplace(id, domain.policy_id); });
            !walked)
            return tl::unexpected(std::move(walked.error()).with_context("collect"));
        for (const auto& [id, policy_id] : domains) {
            auto where = find_cgroup(id);
            // "Cannot tell" keeps the domain: only a cgroup known to be gone is collected.
            if (where && !*where) {
                gone.push_back(id);
            } else {
                live.insert(policy_id);
            }
        }
        if (auto deleted = delete_all(domains_.get(), gone); !deleted)
            return tl::unexpected(std::move(deleted.error()).with_context("collect"));
        // Read before the sweep: an orphan left later keeps its entry for the next caller.
        auto orphans = read_orphans();
        if (!orphans) return tl::unexpected(std::move(orphans.error()).with_context("collect"));
        if (auto swept = delete_rules_if([&](std::uint32_t id) { return live.count(id) == 0; }); !swept)
            return tl::unexpected(std::move(swept.error()).with_context("collect"));
        std::vector<__u64> drained;
        for (const auto& [id, policy_id] : *orphans) drained.push_back(id);
        if (auto deleted = delete_all(orphans_.get(), drained); !deleted)
            return tl::unexpected(std::move(deleted.error()).with_context("collect"));
        // Questions left by a loader that died between asking and reading the answer.
        std::vector<__u32> stale;
        (void)for_each<__u32, llh_identity>(identify_.get(), [&](__u32 tid, const llh_identity&) {
            if (::access(("/proc/" + std::to_string(tid)).c_str(), F_OK) != 0) stale.push_back(tid);
        });
        (void)delete_all(identify_.get(), stale);
        return gone.size() + drained.size();
    }

private:
    struct RuleCounts {
        std::map<std::uint32_t, std::size_t> fs;
        std::map<std::uint32_t, std::size_t> net;
    };

    Result<RuleCounts> count_rules() {
        RuleCounts counts;
        if (auto walked = for_each<llh_inode_key, __u64>(
                fs_rules_.get(), [&](const llh_inode_key& key, __u64) { ++counts.fs[key.policy_id]; });
            !walked)
            return tl::unexpected(std::move(walked.error()).with_context("status"));
        if (auto walked = for_each<llh_port_key, __u32>(
                net_rules_.get(), [&](const llh_port_key& key, __u32) { ++counts.net[key.policy_id]; });
            !walked)
            return tl::unexpected(std::move(walked.error()).with_context("status"));
        return counts;
    }

    template <class Predicate>
    Result<void> delete_rules_if(Predicate&& doomed) {
        std::vector<llh_inode_key> fs;
        if (auto walked = for_each<llh_inode_key, __u64>(fs_rules_.get(),
                                                         [&](const llh_inode_key& key, __u64) {
                                                             if (doomed(key.policy_id)) fs.push_back(key);
                                                         });
            !walked)
            return walked;
        if (auto deleted = delete_all(fs_rules_.get(), fs); !deleted) return deleted;
        std::vector<llh_port_key> net;
        if (auto walked = for_each<llh_port_key, __u32>(net_rules_.get(),
                                                        [&](const llh_port_key& key, __u32) {
                                                            if (doomed(key.policy_id)) net.push_back(key);
                                                        });
            !walked)
            return walked;
        return delete_all(net_rules_.get(), net);
    }

    // After each change of llh_domains: what the programs remember per cgroup (inside or outside
    // every domain, kernel/llh_bpf_abi.h) is stale from here on. The caller holds the pin lock.
    Result<void> next_generation() {
        const __u32 key = 0;
        __u64 generation = 0;
        if (bpf_map_lookup_elem(generation_.get(), &key, &generation) != 0)
            return fail_errno(errno, "cannot read llh_generation");
        ++generation;
        if (bpf_map_update_elem(generation_.get(), &key, &generation, BPF_ANY) != 0)
            return fail_errno(errno, "cannot write llh_generation");
        return {};
    }

    // Removes the domain of `id` and its rules. The caller holds the pin lock.
    Result<bool> remove_domain(std::uint64_t id) {
        const __u64 key = id;
        llh_domain domain{};
        if (bpf_map_lookup_elem(domains_.get(), &key, &domain) != 0) {
            if (errno == ENOENT) return false;
            return fail_errno(errno, "cannot read the cgroup's domain");
        }
        if (bpf_map_delete_elem(domains_.get(), &key) != 0 && errno != ENOENT)
            return fail_errno(errno, "cannot delete the cgroup's domain");
        // Only speed is at stake: the cgroup is checked in full until the programs see it.
        (void)next_generation();
        const std::uint32_t old = domain.policy_id;
        if (auto deleted = delete_rules_if([old](std::uint32_t policy_id) { return policy_id == old; }); !deleted) {
            return tl::unexpected(
                std::move(deleted.error()).with_context("deleting the rules of policy " + std::to_string(old)));
        }
        return true;
    }

    // llh_orphans: removed cgroups' ids -> the policies whose rules are still in the maps.
    Result<std::map<__u64, std::uint32_t>> read_orphans() {
        std::map<__u64, std::uint32_t> orphans;
        if (auto walked = for_each<__u64, __u32>(orphans_.get(),
                                                 [&](__u64 id, __u32 policy_id) { orphans.emplace(id, policy_id); });
            !walked)
            return tl::unexpected(std::move(walked.error()));
        return orphans;
    }

    // Deletes the rules of the orphans of these cgroups (all orphans when `ids` is empty), then their
    // entries. Returns whether there was any.
    Result<bool> remove_orphans(const std::set<__u64>& ids) {
        auto orphans = read_orphans();
        if (!orphans) return tl::unexpected(std::move(orphans.error()).with_context("llh_orphans"));
        std::set<std::uint32_t> policies;
        std::vector<__u64> keys;
        for (const auto& [id, policy_id] : *orphans) {
            if (!ids.empty() && ids.count(id) == 0) continue;
            policies.insert(policy_id);
            keys.push_back(id);
        }
        if (keys.empty()) return false;
        if (auto deleted = delete_rules_if([&](std::uint32_t id) { return policies.count(id) != 0; }); !deleted) {
            return tl::unexpected(
                std::move(deleted.error()).with_context("deleting the rules of removed cgroups' policies"));
        }
        if (auto deleted = delete_all(orphans_.get(), keys); !deleted)
            return tl::unexpected(std::move(deleted.error()).with_context("llh_orphans"));
        return true;
    }

    static Error at_origin(const RuleObject& object, Error error) {
        return object.origin.empty() ? std::move(error) : std::move(error).with_context(object.origin);
    }

    // The inodes as the programs see them: ask llh_identify for this thread, stat each object (at
    // most LLH_IDENTIFY_BATCH), read the answers, one slot per stat in order.
    Result<void> identify_batch(const std::vector<const RuleObject*>& objects, std::vector<InodeIdentity>& out) {
        const auto tid = static_cast<__u32>(::gettid());
        llh_identity asked{};
        asked.state = LLH_IDENTIFY_ASKED;
        if (bpf_map_update_elem(identify_.get(), &tid, &asked, BPF_ANY) != 0)
            return fail_errno(errno, "cannot ask for the identity of " + quoted(objects.front()->path));
        for (const RuleObject* object : objects) {
            struct stat status {};
            if (::fstat(object->fd.get(), &status) != 0)
                return tl::unexpected(at_origin(*object, Error{errno, "cannot stat " + quoted(object->path), {}, {}}));
        }
        llh_identity answer{};
        // The entry stays for the next batch; attach_locked() deletes it once at the end.
        const bool answered = bpf_map_lookup_elem(identify_.get(), &tid, &answer) == 0;
        if (!answered || answer.count != objects.size()) {
            const RuleObject& first_unanswered =
                *objects[answered ? std::min<std::size_t>(answer.count, objects.size() - 1) : 0];
            return tl::unexpected(at_origin(
                first_unanswered,
                fail("the BPF programs did not tell the identity of " + quoted(first_unanswered.path),
                     "the inode_getattr program is not attached, or this process is not in the initial PID "
                     "namespace (llh_identify is keyed by the kernel's thread id)")
                    .value()));
        }
        for (std::size_t i = 0; i < objects.size(); ++i) {
            const llh_identity_slot& slot = answer.slots[i];
            out.push_back(InodeIdentity{slot.dev, slot.ino, slot.generation});
        }
        return {};
    }

    Result<std::vector<InodeIdentity>> identify(const std::vector<const RuleObject*>& objects) {
        std::vector<InodeIdentity> identities;
        for (std::size_t first = 0; first < objects.size(); first += LLH_IDENTIFY_BATCH) {
            const auto last = std::min<std::size_t>(objects.size(), first + LLH_IDENTIFY_BATCH);
            const std::vector<const RuleObject*> batch(objects.begin() + first, objects.begin() + last);
            if (auto done = identify_batch(batch, identities); !done) return tl::unexpected(std::move(done.error()));
        }
        return identities;
    }

    Result<std::uint32_t> allocate_policy_id() {
        auto meta = read_meta(meta_.get());
        if (!meta) return tl::unexpected(std::move(meta.error()));
        std::set<std::uint32_t> used;
        if (auto walked = for_each<__u64, llh_domain>(
                domains_.get(), [&](__u64, const llh_domain& domain) { used.insert(domain.policy_id); });
            !walked)
            return tl::unexpected(std::move(walked.error()));
        auto orphans = read_orphans();  // their rules are still in the maps
        if (!orphans) return tl::unexpected(std::move(orphans.error()));
        for (const auto& [id, policy_id] : *orphans) used.insert(policy_id);
        std::uint32_t id = meta->next_policy_id;
        while (id == 0 || used.count(id) != 0) ++id;
        meta->next_policy_id = id + 1;
        if (auto written = write_meta(meta_.get(), *meta); !written) return tl::unexpected(written.error());
        return id;
    }

    // New entries only (BPF_NOEXIST), in one BPF_MAP_UPDATE_BATCH where the kernel has it; `written`
    // gets every key that went in, for the roll-back.
    template <class Key, class Value>
    static Result<void> insert_all(int map_fd, const std::vector<std::pair<Key, Value>>& entries,
                                   std::vector<Key>& written, const char* what) {
        if (entries.empty()) return {};
        std::vector<Key> keys;
        std::vector<Value> values;
        for (const auto& [key, value] : entries) {
            keys.push_back(key);
            values.push_back(value);
        }
        auto count = static_cast<std::uint32_t>(keys.size());
        bpf_map_batch_opts options{};
        options.sz = sizeof(options);
        options.elem_flags = BPF_NOEXIST;
        int error = 0;
        if (bpf_map_update_batch(map_fd, keys.data(), values.data(), &count, &options) != 0) {
            error = errno;
            if (error == EINVAL || error == ENOTSUP || error == EOPNOTSUPP) {
                // No batch support: one at a time.
                error = 0;
                for (count = 0; count < keys.size(); ++count) {
                    if (bpf_map_update_elem(map_fd, &keys[count], &values[count], BPF_NOEXIST) != 0) {
                        error = errno;
                        break;
                    }
                }
            }
        }
        written.insert(written.end(), keys.begin(), keys.begin() + std::min<std::size_t>(count, keys.size()));
        if (error == 0) return {};
        return fail_errno(error, std::string("cannot write ") + what,
                          error == E2BIG || error == ENOSPC ? "the map is full; `landlockctl collect` drops the "
                                                              "policies of removed cgroups"
                                                            : "");
    }

    Result<void> write_entries(const MapEntries& entries, std::vector<llh_inode_key>& fs_written,
                               std::vector<llh_port_key>& net_written) {
        if (auto written = insert_all(fs_rules_.get(), entries.fs, fs_written, "the file-system rules"); !written)
            return written;
        return insert_all(net_rules_.get(), entries.net, net_written, "the port rules");
    }

    Result<AttachReport> attach_locked(const AttachRequest& request, const Policy& policy) {
        auto cgroup = open_cgroup_dir(request.cgroup_dir);
        if (!cgroup) return tl::unexpected(std::move(cgroup.error()));

        auto compat = apply_compat(policy, kCgroupModeAbi);
        if (!compat) return tl::unexpected(std::move(compat.error()));
        AttachReport report;
        report.cgroup_id = cgroup->id;
        report.compat = std::move(compat->report);
        const Policy& effective = compat->policy;
        if (report.compat.enforcement == Enforcement::none) {
            if (effective.options.compat == Compat::hard) return tl::unexpected(restricts_nothing(kTarget));
            // Best-effort: the cgroup's policy becomes "nothing", as native mode runs unsandboxed.
            auto lock = PinLock::acquire(lock_fd_.get());
            if (!lock) return tl::unexpected(std::move(lock.error()));
            auto removed = remove_domain(cgroup->id);
            if (!removed) return tl::unexpected(std::move(removed.error()));
            report.replaced = *removed;
            report.warnings.push_back("the policy restricts nothing in " + std::string(kTarget) +
                                      ": the cgroup is not sandboxed");
            return report;
        }

        // Paths are the workload's: resolved beneath its root, never on the host's say-so.
        UniqueFd root;
        if (!request.root_dir.empty() && request.root_dir != "/") {
            auto opened = open_root(request.root_dir);
            if (!opened) return tl::unexpected(std::move(opened.error()));
            root = std::move(*opened);
        }
        auto objects = open_rule_objects(effective, root.valid() ? root.get() : AT_FDCWD, report.warnings);
        if (!objects) return tl::unexpected(std::move(objects.error()));
        std::vector<const RuleObject*> granted;
        std::vector<FsAccess> rights;
        for (const RuleObject& object : *objects) {
            const FsAccess allowed = object_rights(object, effective.handled_fs, report.warnings);
            if (allowed == 0) continue;
            granted.push_back(&object);
            rights.push_back(allowed);
        }
        struct ForgetQuestion {
            int map_fd;
            ~ForgetQuestion() {
                const auto tid = static_cast<__u32>(::gettid());
                bpf_map_delete_elem(map_fd, &tid);
            }
        } forget{identify_.get()};
        auto identities = identify(granted);
        if (!identities) return tl::unexpected(std::move(identities.error()));
        std::vector<InodeGrant> grants;
        for (std::size_t i = 0; i < granted.size(); ++i) grants.push_back(InodeGrant{(*identities)[i], rights[i]});

        auto lock = PinLock::acquire(lock_fd_.get());
        if (!lock) return tl::unexpected(std::move(lock.error()));
        auto policy_id = allocate_policy_id();
        if (!policy_id) return tl::unexpected(std::move(policy_id.error()));
        auto entries = compile_entries(effective, *policy_id, cgroup->level, grants);
        if (!entries) return tl::unexpected(std::move(entries.error()));
        if (request.until_exec) entries->domain.flags |= LLH_DOMAIN_UNTIL_EXEC;

        // Rules first, under an id nobody uses; then the one update that switches the cgroup.
        std::vector<llh_inode_key> fs_written;
        std::vector<llh_port_key> net_written;
        const auto roll_back = [&] {
            (void)delete_all(fs_rules_.get(), fs_written);
            (void)delete_all(net_rules_.get(), net_written);
        };
        if (auto written = write_entries(*entries, fs_written, net_written); !written) {
            roll_back();
            return tl::unexpected(written.error());
        }
        const __u64 key = cgroup->id;
        llh_domain previous{};
        const bool had_previous = bpf_map_lookup_elem(domains_.get(), &key, &previous) == 0;
        if (bpf_map_update_elem(domains_.get(), &key, &entries->domain, BPF_ANY) != 0) {
            const int error = errno;
            roll_back();
            return fail_errno(error, "cannot write the cgroup's domain",
                              error == E2BIG ? "llh_domains is full (" + std::to_string(LLH_MAX_DOMAINS) +
                                                   " cgroups); run `landlockctl collect`"
                                             : "");
        }
        if (auto advanced = next_generation(); !advanced) {
            // Cgroups the programs remember as outside every domain would not see this one.
            if (had_previous) {
                (void)bpf_map_update_elem(domains_.get(), &key, &previous, BPF_ANY);
            } else {
                (void)bpf_map_delete_elem(domains_.get(), &key);
            }
            roll_back();
            return tl::unexpected(advanced.error());
        }
        report.policy_id = *policy_id;
        report.fs_rules = fs_written.size();
        report.net_rules = net_written.size();
        report.replaced = had_previous;
        if (had_previous) {
            const std::uint32_t old = previous.policy_id;
            if (auto deleted = delete_rules_if([old](std::uint32_t id) { return id == old; }); !deleted) {
                // The new policy holds; the old rules are orphans that collect() removes.
                report.warnings.push_back("the previous policy's rules were not all deleted: " +
                                          deleted.error().what());
            }
        }
        // Holding the lock anyway: the rules of cgroups removed since the last caller go now (one
        // walk of the rule maps, only when there are any), not at the next collect().
        if (auto swept = remove_orphans({}); !swept) {
            report.warnings.push_back("the rules of removed cgroups were not deleted: " + swept.error().what());
        }
        return report;
    }

    PinPaths paths_;
    UniqueFd lock_fd_;
    UniqueFd meta_;
    OpenInfo info_;
    UniqueFd domains_, fs_rules_, net_rules_, identify_, orphans_, generation_;
    std::mutex mutex_;
};

Result<std::unique_ptr<Enforcer>> open_enforcer(const OpenOptions& options) {
    const PinPaths paths = pin_paths(options.pin_root);
    const std::string bpffs = parent_of(paths.root);
    OpenInfo info;

    auto lock_fd = open_lock_file();
    if (!lock_fd) return staged(std::move(lock_fd), "lock");
    auto lock = PinLock::acquire(lock_fd->get());
    if (!lock) return staged(std::move(lock), "lock");

    if (!bpffs_mounted(bpffs)) {
        if (!options.load)
            return tl::unexpected(Error{ENOENT, "cgroup mode is not loaded: no cgroup has a policy", {}, {"pins"}});
        if (auto usable = require_bpf_lsm(); !usable) return tl::unexpected(usable.error());
        if (auto mounted = mount_bpffs(bpffs); !mounted) return staged(std::move(mounted), "mount");
        info.mounted_bpffs = true;
    }

    auto meta_fd = open_meta(paths);
    if (!meta_fd && meta_fd.error().errno_value != ENOENT) return staged(std::move(meta_fd), "pins");
    if (!meta_fd && !options.load) {
        return tl::unexpected(Error{ENOENT, "cgroup mode is not loaded: no cgroup has a policy", {}, {"pins"}});
    }
    if (!meta_fd) {
        // First use on this boot (or this bpffs).
        if (auto usable = require_bpf_lsm(); !usable) return tl::unexpected(usable.error());
        if (auto made = make_pin_dirs(paths); !made) return staged(std::move(made), "pins");
        auto stray = pinned_names(paths.maps());
        if (!stray) return staged(std::move(stray), "pins");
        if (!stray->empty()) {
            return tl::unexpected(Error{0,
                                        "maps are pinned under " + paths.maps() + " without a meta pin",
                                        "they are not this version's; detach their cgroups and remove " + paths.root,
                                        {"pins"}});
        }
        PinMeta initial;
        initial.abi_version = LLH_ABI_VERSION;
        meta_fd = create_meta(paths, initial);
        if (!meta_fd) return staged(std::move(meta_fd), "pins");
    }
    auto meta = read_meta(meta_fd->get());
    if (!meta) return staged(std::move(meta), "pins");
    if (meta->abi_version != LLH_ABI_VERSION) {
        return tl::unexpected(
            Error{0,
                  "the pinned maps have layout version " + std::to_string(meta->abi_version) + ", this build uses " +
                      std::to_string(LLH_ABI_VERSION) + "; the pinned programs stay in place",
                  "use the landlock-hooks version that pinned them, or detach every cgroup and remove " + paths.root +
                      " to switch",
                  {"pins"}});
    }

    auto links = pinned_names(paths.links());
    if (!links) return staged(std::move(links), "pins");
    const std::uint64_t ours = program_set_hash();
    const bool complete = meta->program_hash != 0 && meta->links == links->size() && meta->links > 0;
    if (options.load && (options.reload || !complete || meta->program_hash != ours)) {
        auto installed = install_program_set(paths);
        if (!installed) return tl::unexpected(std::move(installed.error()));
        meta->program_hash = ours;
        meta->links = installed->links;
        if (auto written = write_meta(meta_fd->get(), *meta); !written) return staged(std::move(written), "pins");
        info.loaded = true;
        info.replaced_links = installed->replaced;
    }
    info.links = meta->links;
    info.program_hash = meta->program_hash;

    auto enforcer = std::make_unique<PinnedEnforcer>(paths, std::move(*lock_fd), std::move(*meta_fd), info);
    if (auto maps = enforcer->open_maps(); !maps) return tl::unexpected(maps.error());
    return std::unique_ptr<Enforcer>(std::move(enforcer));
}

}  // namespace

Result<std::unique_ptr<Enforcer>> Enforcer::open() {
    return open(OpenOptions{});
}

Result<std::unique_ptr<Enforcer>> Enforcer::open(const OpenOptions& options) {
    auto enforcer = open_enforcer(options);
    if (!enforcer) return tl::unexpected(std::move(enforcer.error()).with_context("cgroup mode"));
    return enforcer;
}

Result<PinnedState> inspect_pins(const std::string& pin_root) {
    const PinPaths paths = pin_paths(pin_root);
    PinnedState state;
    if (!bpffs_mounted(parent_of(paths.root))) return state;
    auto meta_fd = open_meta(paths);
    if (!meta_fd) {
        if (meta_fd.error().errno_value == ENOENT) return state;
        return tl::unexpected(std::move(meta_fd.error()));
    }
    auto meta = read_meta(meta_fd->get());
    if (!meta) return tl::unexpected(std::move(meta.error()));
    state.pinned = true;
    state.abi_version = meta->abi_version;
    state.links = meta->links;
    state.same_programs = meta->program_hash == program_set_hash();
    if (meta->abi_version == LLH_ABI_VERSION) {
        UniqueFd domains(bpf_obj_get(paths.map("llh_domains").c_str()));
        if (domains.valid()) {
            (void)for_each<__u64, llh_domain>(domains.get(), [&](__u64, const llh_domain&) { ++state.attachments; });
        }
    }
    return state;
}

}  // namespace llh::cgroup
