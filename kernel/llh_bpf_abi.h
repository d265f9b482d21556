/* The contract between cgroup mode's BPF programs (kernel/landlock_cgroup.bpf.c) and the user-space
 * loader (kernel/cgroup_enforcer.cpp): map names, keys and values. C, no kernel or libc headers:
 * included by the BPF program after vmlinux.h and by C++ after <linux/types.h>.
 *
 * Model (Landlock's, from outside):
 *  - A *domain* is one policy attached to one cgroup v2 directory. It holds for every task in that
 *    cgroup and in its descendants. Domains on nested cgroups are *layers*: an access must be
 *    allowed by every layer (deny wins), as with nested landlock_restrict_self() calls.
 *  - A file-system rule is an inode identity {dev, ino, generation}, never a path string (the
 *    roadmap's fsview): an access is allowed in a layer when the object or one of its ancestors,
 *    walking up through mount points as Landlock does, carries the right in that layer.
 *  - Rights are Landlock's own bits (LANDLOCK_ACCESS_FS_*, LANDLOCK_ACCESS_NET_*, LANDLOCK_SCOPE_*).
 */
#ifndef LLH_BPF_ABI_H
#define LLH_BPF_ABI_H

/* Bumped whenever a key or value layout below changes: the loader refuses to pair programs with
 * pinned maps of another layout (an upgrade never silently drops attachments). */
#define LLH_ABI_VERSION 4

/* Landlock's own limit on stacked domains. */
#define LLH_MAX_LAYERS 16
/* Cgroups deeper than this cannot carry a policy (attach refuses them), so the programs look for
 * domains on ancestor levels 0..LLH_MAX_CGROUP_LEVEL only; tasks may live deeper. */
#define LLH_MAX_CGROUP_LEVEL 32
/* Upper bound of the dentry walk, way beyond PATH_MAX-limited trees; reaching it denies. */
#define LLH_MAX_WALK 8192

#define LLH_MAX_DOMAINS 4096     /* attached cgroups */
#define LLH_MAX_FS_RULES 131072  /* inode rules over all domains */
#define LLH_MAX_NET_RULES 16384  /* port rules over all domains */
#define LLH_MAX_OPEN_FILES 65536 /* files opened under a domain that lack truncate/ioctl rights */

/* Pin layout under bpffs: LLH_PIN_ROOT "/maps/<map name>" and LLH_PIN_ROOT "/links/<program>". */
#define LLH_PIN_ROOT "/sys/fs/bpf/landlock-hooks"

/* llh_domains: HASH, key __u64 cgroup id (the cgroup directory's inode number, as
 * bpf_get_current_ancestor_cgroup_id() returns it) -> struct llh_domain. */
struct llh_domain {
	__u32 policy_id;    /* nonzero; keys this domain's rules */
	__u32 cgroup_level; /* level of the attached cgroup (root = 0) */
	__u64 handled_fs;   /* LANDLOCK_ACCESS_FS_* the policy handles */
	__u32 handled_net;  /* LANDLOCK_ACCESS_NET_* */
	__u32 scoped;       /* LANDLOCK_SCOPE_* */
	__u32 flags;        /* LLH_DOMAIN_* */
	__u32 pad;          /* zero */
};
/* llh_domain.flags: the domain holds no task until a task in its cgroup (or below) completes an
 * execve; the first one clears the flag. A container runtime's init is in the container's cgroup
 * when the createRuntime hook attaches, and still has to pivot_root, mount and read the host's
 * /proc before it execs the container's process: as in native mode, where the launcher restricts
 * itself just before that exec, the policy starts with the workload's first program. */
#define LLH_DOMAIN_UNTIL_EXEC 1u

/* llh_fs_rules: HASH, struct llh_inode_key -> __u64 allowed LANDLOCK_ACCESS_FS_* bits. */
struct llh_inode_key {
	__u32 policy_id;
	__u32 generation; /* inode->i_generation: a reused inode number is another inode */
	__u64 ino;        /* inode->i_ino */
	__u32 dev;        /* inode->i_sb->s_dev */
	__u32 pad;        /* zero */
};

/* llh_net_rules: HASH, struct llh_port_key -> __u32 allowed LANDLOCK_ACCESS_NET_* bits. */
struct llh_port_key {
	__u32 policy_id;
	__u32 port; /* host byte order */
};

/* llh_identify: HASH, key __u32 thread id -> struct llh_identity. How user space learns inodes'
 * identities exactly as the programs see them (overlayfs, tmpfs and others do not expose
 * i_generation, and overlayfs' st_ino/st_dev can differ from the inode the walk meets):
 * the loader inserts {.state = LLH_IDENTIFY_ASKED, .count = 0} for its own thread, calls fstat()
 * on the O_PATH fds of up to LLH_IDENTIFY_BATCH rules' paths, and the inode_getattr program appends
 * one slot per fstat(), in order; one lookup reads them all, and a count other than the number of
 * fstat() calls means the answers cannot be trusted. (Three syscalls per rule before layout 4.) */
#define LLH_IDENTIFY_BATCH 32
enum llh_identify_state {
	LLH_IDENTIFY_ASKED = 1,
};
struct llh_identity_slot {
	__u64 ino;
	__u32 generation;
	__u32 dev;
};
struct llh_identity {
	__u32 state;
	__u32 count; /* slots filled */
	struct llh_identity_slot slots[LLH_IDENTIFY_BATCH];
};

/* llh_files: HASH, key __u64 (struct file address) -> __u64 LANDLOCK_ACCESS_FS_TRUNCATE /
 * _IOCTL_DEV bits the opener's domains denied. Landlock decides truncate and device-ioctl rights
 * at open time, for the life of the file description; entries go with file_free_security. */

/* llh_events: RINGBUF of struct llh_event, one per denial (rate-limited per domain). */
#define LLH_EVENT_PATH_MAX 256
struct llh_event {
	__u64 time_ns;   /* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id; /* the denied task's cgroup */
	__u64 access;    /* the access asked for: LANDLOCK_ACCESS_FS_* or NET_* or LLH_EVENT_* */
	__u32 policy_id; /* the layer that denied */
	__u32 pid;       /* tgid */
	__s32 error;     /* the errno returned, positive */
	__u32 kind;      /* enum llh_event_kind */
	__u32 port;      /* net events */
	__u32 pad;
	char comm[16];
	char name[64];   /* the object's last path component, when there is one */
	char path[LLH_EVENT_PATH_MAX]; /* the object's path as the task sees it (its root, its
				* mounts), NUL-terminated; "" when the hook has no path or it does
				* not fit */
};
enum llh_event_kind {
	LLH_EVENT_FS = 1,
	LLH_EVENT_NET = 2,
	LLH_EVENT_SCOPE = 3,   /* signal or abstract unix socket across the boundary */
	LLH_EVENT_CHANGE = 4,  /* mount, cgroup move, access to our BPF objects, ptrace */
};
/* llh_event.access of LLH_EVENT_CHANGE events (of LLH_EVENT_SCOPE: the LANDLOCK_SCOPE_* bit). */
enum llh_change_op {
	LLH_CHANGE_MOUNT = 1,  /* mount, umount, remount, move_mount, pivot_root */
	LLH_CHANGE_CGROUP = 2, /* cgroup.procs / cgroup.threads / tasks write-open, CLONE_INTO_CGROUP,
				* cgroup.kill / cgroup.freeze / cgroup.subtree_control write-open
				* outside the task's innermost domain */
	LLH_CHANGE_BPF = 3,    /* bpf(2) id/pin -> fd or detach, llh_* maps and programs, bpffs removals */
	LLH_CHANGE_PTRACE = 4,
};

/* llh_orphans: HASH, key __u64 cgroup id -> __u32 policy id. When a cgroup with a domain is
 * removed, the cgroup_rmdir program deletes its llh_domains entry at once and leaves its policy
 * id here: the rules of that policy are the loader's to delete (detach_id(), attach() and
 * collect() do), a hash walk the kernel cannot afford in the tracepoint. */

/* llh_generation: ARRAY of one __u64 (key 0). Whoever adds, changes or removes an llh_domains entry
 * from user space increments it afterwards (the loader, under the pin lock). The programs remember
 * per cgroup whether a domain was on its ancestry at a given generation, so that a task outside
 * every sandboxed cgroup pays one lookup per hook instead of a scan of its cgroup levels: a domain
 * added without the increment would not reach cgroups remembered as outside. Entries the programs
 * remove themselves (cgroup_rmdir) need none: a cgroup remembered with a domain is only checked in
 * full. */

/* Internal maps of the programs, never written by user space (pin them like the others; their
 * layout is not part of LLH_ABI_VERSION): llh_cgroup_verdicts (CGRP_STORAGE, the remembered
 * answers above), llh_file_entries (ARRAY, the number of entries of llh_files and
 * llh_fowners), llh_fowners (HASH, struct file address -> the F_SETOWN
 * caller's innermost signal-scoped layer, for SIGIO/SIGURG) and llh_rate (LRU_HASH, policy_id -> the
 * per-second event budget). */

#endif /* LLH_BPF_ABI_H */
