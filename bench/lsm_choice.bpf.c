// SPDX-License-Identifier: GPL-2.0
/*
 * The two ways cgroup mode could find a task's policy, reduced to file_open, for
 * bench/vm_lsm_choice_bench.cpp (the measurement behind the choice written in
 * kernel/landlock_cgroup.bpf.c's header):
 *
 * - global_file_open: a global lsm/ program that runs for every task and looks
 *   up the ids of the task's cgroup and of each ancestor (levels 0..N, as
 *   landlock_cgroup.bpf.c does) in a hash map of policied cgroups;
 * - cgroup_file_open: a BPF_LSM_CGROUP program attached to the policied cgroup,
 *   which the kernel runs for the tasks of that cgroup and its descendants only;
 *   its policy is one array entry.
 *
 * Both only deny when their policy entry says so (the benchmark's entries
 * allow): they measure the dispatch, not a path walk.  The slot_* programs do
 * nothing; attached one hook after the other they count how many distinct
 * hooks BPF_LSM_CGROUP accepts system-wide (CGROUP_LSM_NUM).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define CHOICE_EACCES 13
#define CHOICE_MAX_LEVEL 32 /* LLH_MAX_CGROUP_LEVEL */

/* cgroup id -> deny (0: allow) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} policies SEC(".maps");

/* the attached cgroup's policy: deny (0: allow) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_policy SEC(".maps");

SEC("lsm/file_open")
int BPF_PROG(global_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	for (int level = 0; level < CHOICE_MAX_LEVEL; level++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		__u32 *deny;

		if (!id) /* above the task's own level */
			break;
		deny = bpf_map_lookup_elem(&policies, &id);
		if (deny && *deny)
			return -CHOICE_EACCES;
	}
	return 0;
}

/* BPF_LSM_CGROUP: 1 allows, 0 denies (with EPERM unless bpf_set_retval() says otherwise). */
SEC("lsm_cgroup/file_open")
int BPF_PROG(cgroup_file_open, struct file *file)
{
	__u32 key = 0;
	__u32 *deny = bpf_map_lookup_elem(&cgroup_policy, &key);

	return deny && *deny ? 0 : 1;
}

#define SLOT(hook)                     \
	SEC("lsm_cgroup/" #hook)       \
	int BPF_PROG(slot_##hook)      \
	{                              \
		return 1;              \
	}

SLOT(file_permission)
SLOT(file_ioctl)
SLOT(file_mprotect)
SLOT(file_lock)
SLOT(file_fcntl)
SLOT(file_receive)
SLOT(file_truncate)
SLOT(inode_getattr)
SLOT(path_unlink)
SLOT(path_mkdir)
SLOT(path_rmdir)
SLOT(path_truncate)
SLOT(task_kill)
SLOT(sb_umount)
