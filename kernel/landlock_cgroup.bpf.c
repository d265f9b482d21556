// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup mode: Landlock's semantics (ABI 6, as Linux 6.12 implements them in
 * security/landlock/{fs,net,task}.c) enforced on whole cgroups, from outside.
 *
 * The model (see llh_bpf_abi.h): a domain is a policy attached to a cgroup v2
 * directory; it holds for the cgroup and all its descendants.  Domains found on
 * the ancestor levels of the current task's cgroup are its layers, outermost
 * first, exactly like nested landlock_restrict_self() calls: every layer must
 * allow an access.
 *
 * Design decisions, and why:
 *
 * - Global LSM programs (SEC("lsm/...")) that find the task's layers by looking
 *   up bpf_get_current_ancestor_cgroup_id(level) for each ancestor level in
 *   llh_domains, rather than BPF_LSM_CGROUP attachments.  lsm_cgroup programs
 *   would be inherited by descendant cgroups for free, but the kernel has only
 *   10 lsm_cgroup hook slots system-wide (CGROUP_LSM_NUM) and we need about 30
 *   hooks; one attachment per policied cgroup and hook would also multiply the
 *   links to manage, and layers (nested policies, deny wins) would need one
 *   program run per level anyway.  A task whose cgroup has no domain on any
 *   level pays one cgroup-local-storage lookup per hook: the answer is
 *   remembered per cgroup until user space changes llh_domains
 *   (outside_domains()).
 *
 * - TCP bind/connect on the socket_bind/socket_connect LSM hooks, not cgroup
 *   sock_addr programs: the LSM hooks run where Landlock's own hooks run
 *   (security_socket_bind/connect, before the protocol's checks), so the errno
 *   and its priority against EINVAL/EAFNOSUPPORT match Landlock's
 *   current_check_access_socket(); a cgroup/connect4 program runs later, inside
 *   the protocol code, and can only return EPERM.
 *
 * - All per-call state lives on the BPF stack.  LSM programs run with migration
 *   disabled but are preemptible on PREEMPT_RCU kernels (Debian's are
 *   PREEMPT_DYNAMIC), so a per-CPU scratch map could be clobbered by another
 *   task on the same CPU.
 *
 * - The dentry walk (Landlock's is_access_to_paths_allowed()) runs in
 *   bpf_loop() with at most LLH_MAX_WALK steps; reaching the bound DENIES, so no
 *   tree is deep enough to get through.  Pointers are carried as numbers and read
 *   through bpf_rdonly_cast() (KPTR: direct loads, a fault reads 0) where a path
 *   is paid per step, with BPF_CORE_READ (probe reads) elsewhere: the walk is
 *   lockless like an RCU path walk (Landlock takes references instead), so a
 *   concurrent rename may make one check see either the old or the new parent.
 *
 * - One object, in parts with one job each: llh_events.bpf.h (denial events),
 *   llh_walk.bpf.h (the dentry walk), llh_fs_guards.bpf.h (bpffs and cgroupfs
 *   guards); a removed cgroup's domain goes with it (raw_tp/cgroup_rmdir, at
 *   the end).
 *
 * - Rules are inode identities {policy_id, i_generation, i_ino, i_sb->s_dev};
 *   user space learns them through the inode_getattr program (llh_identify).
 *
 * - Access masks of ABI 6 fit in 16 bits; the walk keeps, per layer, the
 *   rights still denied (Landlock keeps, per right, the layers still denying:
 *   the same matrix, transposed).
 *
 * - What the verifier needs (Linux 6.12), learnt the hard way:
 *   . the walk state (struct llh_walk, ~300 bytes, scalars only) lives in the
 *     frame of one global function per hook family (llh_check_open/_path/
 *     _refer): bpf_loop() wants its context on the stack, and global functions
 *     are verified once, with unknown arguments;
 *   . per-layer loops are not unrolled; where the layer count is a known
 *     number they run over all LLH_MAX_LAYERS slots; each walk step is a global
 *     function (llh_walk_step, llh_collect_step), where the count is unknown
 *     and loops stop at it; the layer scan is a global function too
 *     (llh_scan_fs_layers()): otherwise every layer count and loop exit is
 *     verified as its own path (1M instructions exceeded);
 *   . the 512-byte stack is summed over the call chain, callbacks included,
 *     each frame rounded up to 16 bytes: path_rename -> llh_check_refer ->
 *     llh_collect_step uses all of it (keep struct llh_walk and the programs'
 *     frames from growing; emit() is a static subprogram for that reason);
 *   . BTF hook arguments are taken for non-NULL: a nullable one (task_kill's
 *     cred) is read as a number (LLH_ARG), and kernel pointers go to global
 *     functions as numbers too;
 *   . an LSM program must provably return 0 or -4095..-1 (lsm_ret()).
 *
 * Hook signatures are Linux 6.12's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "llh_bpf_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Kernel functions (kfuncs) of Linux 6.12. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
extern int bpf_path_d_path(struct path *path, char *buf, size_t buf__sz) __ksym;

/*
 * A kernel object by address, for reading: bpf_rdonly_cast() gives the verifier
 * the type, so field reads are single loads (PROBE_MEM: a fault reads 0), not
 * bpf_probe_read_kernel() calls; the verifier turns the cast itself into a move.
 * The dentry walk reads five fields per step, so this is most of its cost.
 */
#define KPTR(type, addr) \
	((type *)bpf_rdonly_cast((const void *)(__u64)(addr), bpf_core_type_id_kernel(type)))

/* Landlock UAPI (ABI 6).  Debian's linux-libc-dev is 6.1, so defined here. */
#define LANDLOCK_ACCESS_FS_EXECUTE (1U << 0)
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1U << 1)
#define LANDLOCK_ACCESS_FS_READ_FILE (1U << 2)
#define LANDLOCK_ACCESS_FS_READ_DIR (1U << 3)
#define LANDLOCK_ACCESS_FS_REMOVE_DIR (1U << 4)
#define LANDLOCK_ACCESS_FS_REMOVE_FILE (1U << 5)
#define LANDLOCK_ACCESS_FS_MAKE_CHAR (1U << 6)
#define LANDLOCK_ACCESS_FS_MAKE_DIR (1U << 7)
#define LANDLOCK_ACCESS_FS_MAKE_REG (1U << 8)
#define LANDLOCK_ACCESS_FS_MAKE_SOCK (1U << 9)
#define LANDLOCK_ACCESS_FS_MAKE_FIFO (1U << 10)
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1U << 11)
#define LANDLOCK_ACCESS_FS_MAKE_SYM (1U << 12)
#define LANDLOCK_ACCESS_FS_REFER (1U << 13)
#define LANDLOCK_ACCESS_FS_TRUNCATE (1U << 14)
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1U << 15)
#define LLH_FS_ALL 0xffffU
/* Rights that make sense on a file (Landlock's ACCESS_FILE). */
#define LLH_FS_FILE                                                   \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

#define LANDLOCK_ACCESS_NET_BIND_TCP (1U << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1U << 1)
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1U << 0)
#define LANDLOCK_SCOPE_SIGNAL (1U << 1)

/* Kernel constants (prefixed: newer vmlinux.h turn some of them into enums). */
#define LLH_EPERM 1
#define LLH_ENOENT 2
#define LLH_EACCES 13
#define LLH_EEXIST 17
#define LLH_EXDEV 18
#define LLH_EINVAL 22
#define LLH_EAFNOSUPPORT 97

#define LLH_S_IFMT 00170000
#define LLH_S_IFSOCK 0140000
#define LLH_S_IFLNK 0120000
#define LLH_S_IFREG 0100000
#define LLH_S_IFBLK 0060000
#define LLH_S_IFDIR 0040000
#define LLH_S_IFCHR 0020000
#define LLH_S_IFIFO 0010000

#define LLH_FMODE_READ 0x1
#define LLH_FMODE_WRITE 0x2
#define LLH___FMODE_EXEC 0x20 /* in f_flags, as Landlock reads it */
#define LLH_O_TRUNC 01000 /* in f_flags until the open is done */
#define LLH_SB_NOUSER (1UL << 31)
#define LLH_S_PRIVATE 512 /* inode->i_flags */
#define LLH_MNT_INTERNAL 0x4000
#define LLH_RENAME_EXCHANGE (1U << 1)
#define LLH_CLONE_INTO_CGROUP 0x200000000ULL

#define LLH_AF_UNSPEC 0
#define LLH_AF_INET 2
#define LLH_AF_INET6 10
#define LLH_SIN6_LEN_RFC2133 24

#define LLH_CGROUP_SUPER_MAGIC 0x27e0eb
#define LLH_CGROUP2_SUPER_MAGIC 0x63677270
#define LLH_BPF_FS_MAGIC 0xcafe4a11

/* Per-layer loops stay loops: unrolled, they keep a register per layer alive and
 * spill them to the stack, which the 512-byte limit over a call chain cannot
 * afford. */
#define LLH_PER_LAYER _Pragma("clang loop unroll(disable)")

/* Events: at most this many per policy and second reach the ring buffer. */
#define LLH_EVENTS_PER_SEC 64

/* The maps of the contract (llh_bpf_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLH_MAX_DOMAINS);
	__type(key, __u64);
	__type(value, struct llh_domain);
} llh_domains SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLH_MAX_FS_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct llh_inode_key);
	__type(value, __u64);
} llh_fs_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLH_MAX_NET_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct llh_port_key);
	__type(value, __u32);
} llh_net_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct llh_identity);
} llh_identify SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLH_MAX_OPEN_FILES);
	__type(key, __u64);
	__type(value, __u64);
} llh_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLH_MAX_DOMAINS);
	__type(key, __u64);
	__type(value, __u32);
} llh_orphans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} llh_events SEC(".maps");

/* Internal state, never written by user space (see llh_bpf_abi.h). */
struct llh_fowner {
	__u64 cgroup_id; /* the innermost signal-scoped layer of the F_SETOWN caller */
	__u32 level;
	__u32 tgid;      /* its process: signals to itself are always allowed */
	__u32 policy_id;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLH_MAX_OPEN_FILES);
	__type(key, __u64);
	__type(value, struct llh_fowner);
} llh_fowners SEC(".maps");

struct llh_rate {
	__u64 second;
	__u64 count;
};

/* LRU: nobody deletes the budgets of detached policies, and a full plain hash
 * would leave new policies without a budget, i.e. without a rate limit. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LLH_MAX_DOMAINS);
	__type(key, __u32);
	__type(value, struct llh_rate);
} llh_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} llh_generation SEC(".maps");

/* Per cgroup, what the programs remember of its ancestry (outside_domains()). */
struct llh_cgroup_memo {
	/* (llh_generation + 1) << 1 | "a domain is on my ancestry", in one word so
	 * that a racing reader never pairs one generation with another's answer; 0
	 * (a new entry) matches no generation. */
	__u64 verdict;
	/* Bit L: ancestor level L had an llh_domains entry when a scan looked.  Bits
	 * are only ever added (atomically, before the verdict they go with is
	 * written), so a verdict of the current generation comes with every level
	 * that has an entry now; a level whose domain went away costs one lookup. */
	__u64 levels;
};

struct {
	__uint(type, BPF_MAP_TYPE_CGRP_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct llh_cgroup_memo);
} llh_cgroup_verdicts SEC(".maps");

/* How many entries llh_files and llh_fowners hold together.  Only these
 * programs write those maps, so the count is exact, and freeing a file when no
 * file has an entry (a machine without sandboxed workloads holding files) costs
 * no hash lookup.  An entry is counted before its file can be freed: it is
 * made while the file is being opened or by a task holding it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} llh_file_entries SEC(".maps");

static __always_inline void count_file_entries(__s64 delta)
{
	__u32 zero = 0;
	__u64 *count = bpf_map_lookup_elem(&llh_file_entries, &zero);

	if (count)
		__sync_fetch_and_add(count, delta);
}

/* An entry of llh_files or llh_fowners for the file at @key, counted. */
static __always_inline long put_file_entry(void *map, __u64 *key, void *value)
{
	long err = bpf_map_update_elem(map, key, value, BPF_NOEXIST);

	if (!err) {
		count_file_entries(1);
		return 0;
	}
	if (err == -LLH_EEXIST)
		return bpf_map_update_elem(map, key, value, BPF_EXIST);
	return err;
}

static __always_inline void drop_file_entry(void *map, __u64 *key)
{
	if (!bpf_map_delete_elem(map, key))
		count_file_entries(-1);
}

#include "llh_events.bpf.h"

/* ------------------------------------------------------------------------ */
/* Layers: the domains on the current task's cgroup ancestry                */
/*                                                                          */
/* Each scan over the ancestor levels runs in bpf_loop(): a plain bounded   */
/* loop with a map lookup per level is unrolled by the verifier into more   */
/* branch states than it accepts.                                           */

/* Ancestor levels that may carry a domain: 0..min(level, LLH_MAX_CGROUP_LEVEL). */
static __always_inline __u32 clamp_level(int level)
{
	if (level < 0)
		return 0;
	return level > LLH_MAX_CGROUP_LEVEL ? LLH_MAX_CGROUP_LEVEL : level;
}

static __always_inline __u32 current_top_level(void)
{
	return clamp_level(KPTR(struct task_struct, bpf_get_current_task())->cgroups->dfl_cgrp->level);
}

/* The id of @cgrp's ancestor at @level (@cgrp's own level or above). */
static __always_inline __u64 cgroup_ancestor_id(struct cgroup *cgrp, __u32 level)
{
	struct cgroup *ancestor = NULL;

	if (level > LLH_MAX_CGROUP_LEVEL)
		return 0;
	bpf_probe_read_kernel(&ancestor, sizeof(ancestor),
			      (void *)cgrp + bpf_core_field_offset(struct cgroup, ancestors) +
				      level * sizeof(ancestor));
	if (!ancestor)
		return 0;
	return BPF_CORE_READ(ancestor, kn, id);
}

/* The domain at ancestor @level of the current task (@cgrp 0) or of @cgrp. */
static __always_inline const struct llh_domain *domain_at(__u64 cgrp, __u32 level,
							  __u64 *cgroup_id)
{
	__u64 id = cgrp ? cgroup_ancestor_id((struct cgroup *)cgrp, level) :
			  bpf_get_current_ancestor_cgroup_id(level);

	const struct llh_domain *dom;

	*cgroup_id = id;
	if (!id)
		return NULL;
	dom = bpf_map_lookup_elem(&llh_domains, &id);
	/* Waiting for its first exec: no layer yet (llh_arm_on_exec). */
	if (dom && (dom->flags & LLH_DOMAIN_UNTIL_EXEC))
		return NULL;
	return dom;
}

struct llh_any_domain {
	__u32 top;
	__u64 levels;
};

/* Any entry counts, a domain still waiting for its first exec too: arming it
 * then changes no answer remembered here, and the layer scans read each
 * remembered level's entry as it is now. */
static int any_domain_step(__u32 level, void *ctx)
{
	struct llh_any_domain *a = ctx;
	__u64 id;

	if (level > a->top || level > LLH_MAX_CGROUP_LEVEL)
		return 1;
	id = bpf_get_current_ancestor_cgroup_id(level);
	if (id && bpf_map_lookup_elem(&llh_domains, &id))
		a->levels |= 1ULL << level;
	return 0;
}

/* The current task's cgroup's memo, and the stamp a verdict of the current
 * generation carries. */
static __always_inline struct llh_cgroup_memo *current_memo(__u64 *stamp, __u64 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 *generation;
	__u32 zero = 0;

	generation = bpf_map_lookup_elem(&llh_generation, &zero);
	if (!generation)
		return NULL;
	*stamp = (*(volatile __u64 *)generation + 1) << 1;
	return bpf_cgrp_storage_get(&llh_cgroup_verdicts, task->cgroups->dfl_cgrp, 0, flags);
}

/* The levels of a memo whose verdict is of the current generation.  An atomic
 * read: ordered after the verdict's, as the writer's OR was before it. */
static __always_inline __u64 memo_levels(struct llh_cgroup_memo *memo)
{
	return (memo->verdict & 1) ? __sync_fetch_and_or(&memo->levels, 0) : 0;
}

/*
 * The ancestor levels of the current task that have an llh_domains entry (bit
 * L for level L); 0 when it is outside every domain.  Most tasks of a machine
 * are, and every hook asks: the answer is remembered per cgroup
 * (llh_cgroup_verdicts) until user space changes llh_domains and increments
 * llh_generation (the generation is read before the scan, so a domain added
 * during it makes the remembered answer stale at once).  Every level when it
 * cannot tell: the caller then scans them all.
 */
static __always_inline __u64 remembered_levels(void)
{
	struct llh_any_domain a = {};
	struct llh_cgroup_memo *memo;
	__u64 stamp = 0;

	memo = current_memo(&stamp, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!memo)
		return ~0ULL;
	if ((memo->verdict & ~1ULL) == stamp)
		return memo_levels(memo);
	a.top = current_top_level();
	bpf_loop(LLH_MAX_CGROUP_LEVEL + 1, any_domain_step, &a, 0);
	/* The levels first: a reader that sees this verdict sees them too. */
	__sync_fetch_and_or(&memo->levels, a.levels);
	memo->verdict = stamp | (a.levels != 0);
	return a.levels;
}

/* Levels in an int, as global functions return: bit L for level L < 30, bit 30
 * for every level from 30 on (LLH_LEVELS_DEEP); 0 outside every domain. */
#define LLH_LEVELS_DEEP (1U << 30)
static __always_inline __u32 fold_levels(__u64 levels)
{
	return (levels & (LLH_LEVELS_DEEP - 1)) | ((levels >> 30) ? LLH_LEVELS_DEEP : 0);
}

/* remembered_levels(), folded.  The open hook hands it to the layer scan, which
 * then looks up only those levels.  A global function: its frame stays off the
 * stack of the refer hooks' call chains, which are within bytes of the limit. */
__noinline int llh_domain_levels(void)
{
	return fold_levels(remembered_levels());
}

/* Is the current task outside every domain? */
static __always_inline bool outside_domains(void)
{
	return !llh_domain_levels();
}

static __always_inline bool level_named(__u32 levels, __u32 level)
{
	return level >= 30 ? (levels & LLH_LEVELS_DEEP) : (levels & (1U << (level & 31)));
}

/* The layers handling file-system access, outermost first.  Slots past
 * nlayers stay zero (no policy, nothing handled), so per-layer loops run over
 * all LLH_MAX_LAYERS slots: a loop that stopped at nlayers would give the
 * verifier one state per exit point, multiplied over every later loop. */
struct llh_fs_subject {
	/* Bytes, not words: this struct is part of the walk state, and the refer
	 * hooks' call chains are within a few bytes of the 512-byte stack. */
	__u8 nlayers;
	__u8 overflow;   /* more than LLH_MAX_LAYERS: denies everything */
	__u8 any_domain; /* the task has a domain, whatever it handles */
	__u8 top;        /* scan: the last level to look at */
	__u32 policy[LLH_MAX_LAYERS];
	__u16 handled[LLH_MAX_LAYERS];
	__u32 inner_policy;
};

struct llh_fs_scan {
	struct llh_fs_subject *s;
	__u32 levels; /* llh_domain_levels() */
};

static int fs_level_step(__u32 level, void *ctx)
{
	struct llh_fs_scan *scan = ctx;
	struct llh_fs_subject *s = scan->s;
	const struct llh_domain *dom;
	__u64 id;
	__u32 n;

	if (level > s->top || level > LLH_MAX_CGROUP_LEVEL)
		return 1;
	if (!level_named(scan->levels, level))
		return 0;
	dom = domain_at(0, level, &id);
	if (!dom)
		return 0;
	s->any_domain = 1;
	s->inner_policy = dom->policy_id;
	if (!(dom->handled_fs & LLH_FS_ALL))
		return 0;
	n = s->nlayers;
	if (n >= LLH_MAX_LAYERS) {
		s->overflow = 1;
		return 1;
	}
	s->policy[n] = dom->policy_id;
	s->handled[n] = dom->handled_fs & LLH_FS_ALL;
	s->nlayers = n + 1;
	return 0;
}

/*
 * Landlock's landlock_get_applicable_subject(any_fs), with every layer: only the
 * @levels the caller's llh_domain_levels() named are looked up (callers return
 * on 0, a task outside every domain, before they zero their walk state).  A
 * global function: the verifier forgets what it knew of *s, so the layer counts
 * the scan found are not each verified as their own path through the rest of
 * the program.
 */
__noinline int llh_scan_fs_layers(struct llh_fs_subject *s, __u32 levels)
{
	struct llh_fs_scan scan = {};

	if (!s)
		return 0;
	scan.s = s;
	scan.levels = levels;
	s->top = current_top_level();
	bpf_loop(LLH_MAX_CGROUP_LEVEL + 1, fs_level_step, &scan, 0);
	return s->nlayers;
}

/* One layer, as a cgroup. */
struct llh_scope_layer {
	__u64 cgroup_id;
	__u32 level;
	__u32 policy_id;
};

enum llh_find {
	LLH_FIND_ANY = 0, /* any domain (ptrace, cgroup mode's guards) */
	LLH_FIND_FS = 1,  /* a domain handling file-system access (mount topology) */
	LLH_FIND_SCOPE = 2, /* a domain with one of the scope bits */
};

struct llh_find_ctx {
	__u64 cgrp; /* 0: the current task */
	__u32 top;
	__u32 what;
	__u32 scope;
	__u32 found;
	struct llh_scope_layer layer;
};

static int find_level_step(__u32 level, void *ctx)
{
	struct llh_find_ctx *f = ctx;
	const struct llh_domain *dom;
	__u64 id;

	if (level > f->top)
		return 1;
	dom = domain_at(f->cgrp, level, &id);
	if (!dom)
		return 0;
	if (f->what == LLH_FIND_FS && !(dom->handled_fs & LLH_FS_ALL))
		return 0;
	if (f->what == LLH_FIND_SCOPE && !(dom->scoped & f->scope))
		return 0;
	f->layer.cgroup_id = id;
	f->layer.level = level;
	f->layer.policy_id = dom->policy_id;
	f->found = 1;
	return 0;
}

/* The innermost layer of @what kind of the current task (@cgrp 0) or of the
 * cgroup @cgrp.  Returns whether there is one. */
__noinline int llh_find_layer(__u64 cgrp, __u32 what, __u32 scope, struct llh_scope_layer *out)
{
	struct llh_find_ctx f = {};

	if (!out)
		return 0;
	f.cgrp = cgrp;
	f.what = what;
	f.scope = scope;
	if (cgrp) {
		f.top = clamp_level(BPF_CORE_READ((struct cgroup *)cgrp, level));
	} else {
		if (outside_domains())
			return 0;
		f.top = current_top_level();
	}
	bpf_loop(LLH_MAX_CGROUP_LEVEL + 1, find_level_step, &f, 0);
	*out = f.layer;
	return f.found;
}

static __always_inline bool find_inner_layer(__u32 scope, struct llh_scope_layer *out)
{
	return llh_find_layer(0, scope ? LLH_FIND_SCOPE : LLH_FIND_ANY, scope, out);
}

static __always_inline bool find_fs_layer(struct llh_scope_layer *out)
{
	return llh_find_layer(0, LLH_FIND_FS, 0, out);
}

/* Any task's innermost layer (ptrace_traceme: the tracer is not current). */
static __always_inline bool task_inner_layer(struct task_struct *task, struct llh_scope_layer *out)
{
	return llh_find_layer((__u64)BPF_CORE_READ(task, cgroups, dfl_cgrp), LLH_FIND_ANY, 0, out);
}

/* Is @cgrp the cgroup @cgroup_id at @level, or one of its descendants? */
static __always_inline bool cgroup_in_subtree(struct cgroup *cgrp, __u64 cgroup_id, __u32 level)
{
	if (!cgrp || level > LLH_MAX_CGROUP_LEVEL)
		return false;
	if (BPF_CORE_READ(cgrp, level) < (int)level)
		return false;
	return cgroup_ancestor_id(cgrp, level) == cgroup_id;
}

static __always_inline bool task_in_subtree(struct task_struct *task, __u64 cgroup_id, __u32 level)
{
	return cgroup_in_subtree(BPF_CORE_READ(task, cgroups, dfl_cgrp), cgroup_id, level);
}

#include "llh_walk.bpf.h"

/* Landlock's get_mode_access(). */
static __always_inline __u16 mode_access(__u32 mode)
{
	switch (mode & LLH_S_IFMT) {
	case LLH_S_IFLNK:
		return LANDLOCK_ACCESS_FS_MAKE_SYM;
	case LLH_S_IFDIR:
		return LANDLOCK_ACCESS_FS_MAKE_DIR;
	case LLH_S_IFCHR:
		return LANDLOCK_ACCESS_FS_MAKE_CHAR;
	case LLH_S_IFBLK:
		return LANDLOCK_ACCESS_FS_MAKE_BLOCK;
	case LLH_S_IFIFO:
		return LANDLOCK_ACCESS_FS_MAKE_FIFO;
	case LLH_S_IFSOCK:
		return LANDLOCK_ACCESS_FS_MAKE_SOCK;
	default: /* S_IFREG, 0 and weird files */
		return LANDLOCK_ACCESS_FS_MAKE_REG;
	}
}

/* Landlock's maybe_remove(). */
static __always_inline __u16 maybe_remove(struct dentry *dentry)
{
	if (!BPF_CORE_READ(dentry, d_inode))
		return 0;
	return dentry_is_dir(dentry) ? LANDLOCK_ACCESS_FS_REMOVE_DIR :
				       LANDLOCK_ACCESS_FS_REMOVE_FILE;
}

/* Landlock's is_eacces(): a denied right other than REFER. */
static __always_inline bool is_eacces(const __u16 *den, __u16 request)
{
	__u16 acc = 0;

	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		acc |= den[l];
	}
	return acc & request & ~LANDLOCK_ACCESS_FS_REFER;
}

/* Landlock's current_check_refer_path() for link (@removable false) and rename. */
#define LLH_REFER_REMOVABLE 1 /* rename, not link */
#define LLH_REFER_EXCHANGE 2  /* RENAME_EXCHANGE */

static __always_inline int check_refer_path(struct llh_walk *w, __u64 old_addr, __u64 new_parent_addr,
				       __u64 vfsmnt, __u64 new_addr, struct llh_denial *d)
{
	struct dentry *old_dentry = (void *)old_addr, *new_dentry = (void *)new_addr;
	struct dentry *new_parent = (void *)new_parent_addr;
	struct dentry *mnt_root, *old_parent;
	struct inode *old_inode = BPF_CORE_READ(old_dentry, d_inode);
	bool removable, exchange;
	__u16 req1 = 0, req2;
	bool allow1, allow2;

	if (!w)
		return 0;
	removable = w->refer_flags & LLH_REFER_REMOVABLE;
	exchange = w->refer_flags & LLH_REFER_EXCHANGE;

	if (!old_inode)
		return -LLH_ENOENT;
	if (exchange) {
		struct inode *new_inode = BPF_CORE_READ(new_dentry, d_inode);

		if (!new_inode)
			return -LLH_ENOENT;
		req1 = mode_access(BPF_CORE_READ(new_inode, i_mode));
	}
	req2 = mode_access(BPF_CORE_READ(old_inode, i_mode));
	if (removable) {
		req1 |= maybe_remove(old_dentry);
		req2 |= maybe_remove(new_dentry);
	}
	if (w->s.overflow)
		goto eacces;

	/* Same directory: no reparenting, REFER not needed. */
	if (BPF_CORE_READ(old_dentry, d_parent) == new_parent)
		return check_access_path(w, (__u64)new_parent, vfsmnt, req1 | req2, (__u64)new_dentry, d);

	req1 |= LANDLOCK_ACCESS_FS_REFER;
	req2 |= LANDLOCK_ACCESS_FS_REFER;
	w->req1 = req1;
	w->req2 = req2;

	/* The common mount point (links and renames across mounts got EXDEV from
	 * the VFS before the LSM hooks). */
	mnt_root = BPF_CORE_READ((struct vfsmount *)vfsmnt, mnt_root);
	old_parent = old_dentry == mnt_root ? old_dentry : BPF_CORE_READ(old_dentry, d_parent);
	allow1 = collect_domain_accesses(w, (__u64)mnt_root, (__u64)old_parent, 1);
	allow2 = collect_domain_accesses(w, (__u64)mnt_root, (__u64)new_parent, 2);
	if (w->truncated)
		goto eacces;
	if (allow1 && allow2)
		return 0;

	/* is_access_to_paths_allowed() from the mount root, with the children. */
	if (is_nouser_or_private(mnt_root))
		return 0;
	w->allowed1 = all_clear(w->den1);
	w->allowed2 = all_clear(w->den2);
	w->dom_check = 1;
	child_masks(w, (__u64)old_dentry, w->child1);
	w->child1_dir = dentry_is_dir(old_dentry);
	if (exchange) {
		child_masks(w, (__u64)new_dentry, w->child2);
		w->has_child2 = 1;
		w->child2_dir = dentry_is_dir(new_dentry);
	} else {
		w->child2_dir = 1; /* unused without child2, as in Landlock */
	}
	if (walk_path(w, (__u64)mnt_root, vfsmnt))
		return 0;
	if (w->truncated)
		goto eacces;
	/* EACCES has priority over EXDEV, for exchanges too. */
	if (is_eacces(w->den1, req1) || is_eacces(w->den2, req2))
		goto eacces;
	note(d, LLH_EVENT_FS, denying_policy(w), LANDLOCK_ACCESS_FS_REFER, LLH_EXDEV, old_addr);
	return -LLH_EXDEV;
eacces:
	note(d, LLH_EVENT_FS, denying_policy(w), req1 | req2, LLH_EACCES, old_addr);
	return -LLH_EACCES;
}

#include "llh_fs_guards.bpf.h"

/* ------------------------------------------------------------------------ */
/* Identity of a rule's inode (PRIORITY: used by the loader for every rule)  */

SEC("lsm/inode_getattr")
int BPF_PROG(llh_inode_getattr, const struct path *path, int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct llh_identity_slot *slot;
	struct llh_identity *id;
	struct inode *inode;
	__u32 n;

	if (ret)
		return ret;
	id = bpf_map_lookup_elem(&llh_identify, &tid);
	if (!id || id->state != LLH_IDENTIFY_ASKED)
		return 0;
	n = id->count;
	if (n >= LLH_IDENTIFY_BATCH)
		return 0;
	inode = BPF_CORE_READ(path, dentry, d_inode);
	if (!inode)
		return 0; /* no slot: the loader's count check refuses the batch */
	slot = &id->slots[n];
	slot->ino = BPF_CORE_READ(inode, i_ino);
	slot->generation = BPF_CORE_READ(inode, i_generation);
	slot->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	/* Read by the same thread after its fstat() calls return: no barrier needed. */
	id->count = n + 1;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* File-system hooks (Landlock's fs.c)                                      */

/* LSM programs must return 0 or an errno (-4095..-1): the verifier cannot know
 * what a global function returns, so programs clamp it. */
static __always_inline int lsm_ret(int err)
{
	long e = err; /* 64-bit compares, kept as written (the verifier follows those) */

	asm volatile("" : "+r"(e));
	if (e >= 0)
		return 0;
	if (e < -4095)
		return -LLH_EPERM;
	return e;
}

/* Hook argument @n as a number.  Global functions take kernel pointers as
 * scalars, and the verifier does not turn a BTF pointer into one. */
#define LLH_ARG(n)                                                              \
	({                                                                      \
		__u64 __v = 0;                                                  \
		bpf_probe_read_kernel(&__v, sizeof(__v), &((__u64 *)ctx)[n]);   \
		__v;                                                            \
	})

/* Landlock's get_required_file_open_access(). */
static __always_inline __u16 open_access(struct file *file_addr)
{
	struct file *file = KPTR(struct file, file_addr);
	__u32 f_mode = file->f_mode;
	__u16 access = 0;

	if (f_mode & LLH_FMODE_READ) {
		/* A directory can only be opened in read mode. */
		if ((file->f_inode->i_mode & LLH_S_IFMT) == LLH_S_IFDIR)
			return LANDLOCK_ACCESS_FS_READ_DIR;
		access = LANDLOCK_ACCESS_FS_READ_FILE;
	}
	if (f_mode & LLH_FMODE_WRITE)
		access |= LANDLOCK_ACCESS_FS_WRITE_FILE;
	if (file->f_flags & LLH___FMODE_EXEC)
		access |= LANDLOCK_ACCESS_FS_EXECUTE;
	return access;
}

static __always_inline bool file_is_device(struct file *file)
{
	__u32 type = KPTR(struct file, file)->f_inode->i_mode & LLH_S_IFMT;

	return type == LLH_S_IFBLK || type == LLH_S_IFCHR;
}

/* Whether the file can ever reach the file_truncate hook: ftruncate() refuses
 * a file not opened for writing before any LSM sees it, and the open's own
 * O_TRUNC comes right after this hook.  For any other file the TRUNCATE right
 * is moot: it is neither asked of the layers (their walk can end at the first
 * rule that grants the open) nor remembered in llh_files (no entry to add on
 * open and drop on close).  Landlock decides it for every file; the outcome is
 * the same. */
static __always_inline bool file_may_truncate(struct file *file_addr)
{
	struct file *file = KPTR(struct file, file_addr);

	return (file->f_mode & LLH_FMODE_WRITE) || (file->f_flags & LLH_O_TRUNC);
}

/* Landlock's hook_file_open(): also decides TRUNCATE and IOCTL_DEV for the life
 * of the file, remembered in llh_files when denied.  (A global function: it
 * owns the walk state.)  Its program has returned for tasks outside every
 * domain already. */
__noinline int llh_check_open(__u64 file_addr, struct llh_denial *d, __u32 levels)
{
	struct file *file = (void *)file_addr;
	struct llh_walk w = {};
	struct dentry *dentry;
	__u16 open_req, optional, full, allowed, denied;

	llh_scan_fs_layers(&w.s, levels);
	if (!w.s.nlayers)
		return 0;
	dentry = KPTR(struct file, file_addr)->f_path.dentry;
	open_req = open_access(file);
	optional = 0;
	if (file_may_truncate(file))
		optional |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (file_is_device(file))
		optional |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	full = open_req | optional;
	init_request(&w, full);
	if (w.s.overflow) {
		allowed = 0;
	} else if (w.allowed1 || is_nouser_or_private(dentry) ||
		   walk_path(&w, (__u64)dentry, (__u64)KPTR(struct file, file_addr)->f_path.mnt)) {
		allowed = full;
	} else {
		/* Each right no layer vetoed (a truncated walk vetoes all). */
		allowed = full;
		if (w.truncated)
			allowed = 0;
		LLH_PER_LAYER
		for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
			allowed &= ~w.den1[l];
		}
	}
	if ((open_req & allowed) != open_req) {
		note(d, LLH_EVENT_FS, denying_policy(&w), open_req & ~allowed, LLH_EACCES,
		     (__u64)dentry);
		return -LLH_EACCES;
	}
	denied = optional & ~allowed;
	if (denied) {
		__u64 value = denied;

		/* Fail closed: a file whose limits cannot be remembered is
		 * not opened. */
		if (put_file_entry(&llh_files, &file_addr, &value)) {
			note(d, LLH_EVENT_FS, w.s.inner_policy, denied, LLH_EACCES,
			     (__u64)dentry);
			return -LLH_EACCES;
		}
	}
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(llh_file_open, struct file *file, int ret)
{
	struct llh_denial d = {};
	__u32 levels;
	int err;

	if (ret)
		return ret;
	/* The open of nearly every task of the machine: nothing to check or guard. */
	levels = llh_domain_levels();
	if (!levels)
		return 0;
	err = lsm_ret(llh_check_open(LLH_ARG(0), &d, levels));
	if (!err)
		err = lsm_ret(llh_guard_cgroup_file(LLH_ARG(0), &d));
	if (err)
		emit(&d, 0, &file->f_path, LLH_PATH_OBJECT);
	return err;
}

SEC("lsm/file_free_security")
int BPF_PROG(llh_file_free_security, struct file *file)
{
	__u64 key = (__u64)file, *entries;
	__u32 zero = 0;

	/* Not skipped for tasks outside every domain: a file opened under one may be
	 * freed by anybody it was passed to. */
	entries = bpf_map_lookup_elem(&llh_file_entries, &zero);
	if (entries && !*(volatile __u64 *)entries)
		return 0;
	/* Looked up first: most files have no entry, and a lookup takes no bucket
	 * lock where a delete does. */
	if (bpf_map_lookup_elem(&llh_files, &key))
		drop_file_entry(&llh_files, &key);
	if (bpf_map_lookup_elem(&llh_fowners, &key))
		drop_file_entry(&llh_fowners, &key);
	return 0;
}

/* A right of an open file that its open decided against: EACCES, and the
 * event names the file's path. */
static __always_inline int deny_file(struct file *file, __u64 access)
{
	struct llh_denial d = {};

	note(&d, LLH_EVENT_FS, 0, access, LLH_EACCES, (__u64)BPF_CORE_READ(file, f_path.dentry));
	emit(&d, 0, &file->f_path, LLH_PATH_OBJECT);
	return -LLH_EACCES;
}

/* Landlock's hook_file_truncate(): decided at open time, whoever truncates. */
SEC("lsm/file_truncate")
int BPF_PROG(llh_file_truncate, struct file *file, int ret)
{
	__u64 key = (__u64)file;
	__u64 *denied;

	if (ret)
		return ret;
	denied = bpf_map_lookup_elem(&llh_files, &key);
	if (!denied || !(*denied & LANDLOCK_ACCESS_FS_TRUNCATE))
		return 0;
	return deny_file(file, LANDLOCK_ACCESS_FS_TRUNCATE);
}

/* Landlock's is_masked_device_ioctl(): commands implemented by do_vfs_ioctl()
 * and harmless on devices, always allowed.  Its _compat variant differs only by
 * naming FS_IOC32_* and FS_IOC_*_32 commands it does not allow either, so both
 * hooks use this list. */
static __always_inline bool is_masked_device_ioctl(__u32 cmd)
{
	switch (cmd) {
	case 0x5451:     /* FIOCLEX */
	case 0x5450:     /* FIONCLEX */
	case 0x5421:     /* FIONBIO */
	case 0x5452:     /* FIOASYNC */
	case 0x5460:     /* FIOQSIZE */
	case 0xc0045877: /* FIFREEZE */
	case 0xc0045878: /* FITHAW */
	case 0xc020660b: /* FS_IOC_FIEMAP */
	case 0x2:        /* FIGETBSZ */
	case 0x40049409: /* FICLONE */
	case 0x4020940d: /* FICLONERANGE */
	case 0xc0189436: /* FIDEDUPERANGE */
	case 0x80111500: /* FS_IOC_GETFSUUID */
	case 0x80811501: /* FS_IOC_GETFSSYSFSPATH */
		return true;
	default:
		return false;
	}
}

/* Landlock's hook_file_ioctl_common(). */
static __always_inline int check_ioctl(struct file *file, __u32 cmd)
{
	__u64 key = (__u64)file;
	__u64 *denied = bpf_map_lookup_elem(&llh_files, &key);

	if (!denied || !(*denied & LANDLOCK_ACCESS_FS_IOCTL_DEV))
		return 0;
	if (!file_is_device(file) || is_masked_device_ioctl(cmd))
		return 0;
	return deny_file(file, LANDLOCK_ACCESS_FS_IOCTL_DEV);
}

SEC("lsm/file_ioctl")
int BPF_PROG(llh_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	return check_ioctl(file, cmd);
}

SEC("lsm/file_ioctl_compat")
int BPF_PROG(llh_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg,
	     int ret)
{
	if (ret)
		return ret;
	return check_ioctl(file, cmd);
}

#define LLH_GUARD_BPFFS 1 /* also refuse removals in bpffs (our pinned links) */


/* Landlock's current_check_access_path() for @request on the struct path at
 * @path_addr, then cgroup mode's bpffs guard if asked.  A global function: it
 * owns the walk state. */
__noinline int llh_check_path(__u64 path_addr, __u32 request, __u64 object, __u32 flags,
			      struct llh_denial *d)
{
	struct path *path = KPTR(struct path, path_addr);
	__u64 dentry = (__u64)path->dentry, vfsmnt = (__u64)path->mnt;
	__u32 levels;
	int err;

	levels = llh_domain_levels();
	if (!levels)
		return 0;
	struct llh_walk w = {};

	llh_scan_fs_layers(&w.s, levels);
	if (!w.s.any_domain)
		return 0;
	if (w.s.nlayers) {
		err = check_access_path(&w, dentry, vfsmnt, request, object, d);
		if (err)
			return err;
	}
	if (flags & LLH_GUARD_BPFFS)
		return guard_bpffs(&w.s, (struct dentry *)dentry, object, d);
	return 0;
}

/* Landlock's current_check_refer_path() (@flags: LLH_REFER_*), then the bpffs
 * guard for renames (both directories are on one mount). */
__noinline int llh_check_refer(__u64 old_dentry, __u64 new_dir_addr, __u64 new_dentry, __u32 flags,
			       struct llh_denial *d)
{
	struct path *new_dir = KPTR(struct path, new_dir_addr);
	__u64 new_parent = (__u64)new_dir->dentry, vfsmnt = (__u64)new_dir->mnt;
	__u32 levels;
	int err;

	levels = llh_domain_levels();
	if (!levels)
		return 0;
	struct llh_walk w = {};

	llh_scan_fs_layers(&w.s, levels);
	if (!w.s.any_domain)
		return 0;
	if (w.s.nlayers) {
		w.refer_flags = flags;
		err = check_refer_path(&w, old_dentry, new_parent, vfsmnt, new_dentry, d);
		if (err)
			return err;
	}
	if (flags & LLH_REFER_REMOVABLE)
		return guard_bpffs(&w.s, (struct dentry *)new_parent, old_dentry, d);
	return 0;
}

/* @request on the entry @dentry of the directory @dir (the hook's first
 * argument, also as a number); a denial's event names the entry's path. */
#define check_dir_op(dir, dentry, request, flags) \
	check_entry(dir, LLH_ARG(0), dentry, request, flags)
static __always_inline int check_entry(const struct path *dir, __u64 dir_addr, __u64 dentry,
				       __u32 request, __u32 flags)
{
	struct llh_denial d = {};
	int err = lsm_ret(llh_check_path(dir_addr, request, dentry, flags, &d));

	if (err)
		emit(&d, 0, dir, LLH_PATH_PARENT);
	return err;
}

SEC("lsm/path_mkdir")
int BPF_PROG(llh_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	if (ret)
		return ret;
	return check_dir_op(dir, LLH_ARG(1), LANDLOCK_ACCESS_FS_MAKE_DIR, 0);
}

/* Also called by open(O_CREAT) with S_IFREG. */
SEC("lsm/path_mknod")
int BPF_PROG(llh_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	if (ret)
		return ret;
	return check_dir_op(dir, LLH_ARG(1), mode_access(mode), 0);
}

SEC("lsm/path_symlink")
int BPF_PROG(llh_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	if (ret)
		return ret;
	return check_dir_op(dir, LLH_ARG(1), LANDLOCK_ACCESS_FS_MAKE_SYM, 0);
}

SEC("lsm/path_unlink")
int BPF_PROG(llh_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return check_dir_op(dir, LLH_ARG(1), LANDLOCK_ACCESS_FS_REMOVE_FILE, LLH_GUARD_BPFFS);
}

SEC("lsm/path_rmdir")
int BPF_PROG(llh_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	if (ret)
		return ret;
	return check_dir_op(dir, LLH_ARG(1), LANDLOCK_ACCESS_FS_REMOVE_DIR, LLH_GUARD_BPFFS);
}

SEC("lsm/path_truncate")
int BPF_PROG(llh_path_truncate, const struct path *path, int ret)
{
	struct dentry *dentry;
	struct llh_denial d = {};
	int err;

	if (ret)
		return ret;
	dentry = BPF_CORE_READ(path, dentry);
	err = lsm_ret(llh_check_path(LLH_ARG(0), LANDLOCK_ACCESS_FS_TRUNCATE, (__u64)dentry, 0, &d));
	if (err)
		emit(&d, 0, path, LLH_PATH_OBJECT);
	return err;
}

SEC("lsm/path_link")
int BPF_PROG(llh_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	struct llh_denial d = {};
	int err;

	if (ret)
		return ret;
	err = lsm_ret(llh_check_refer(LLH_ARG(0), LLH_ARG(1), LLH_ARG(2), 0, &d));
	/* The old entry's directory is not a hook argument: its path is
	 * unknown; a denial naming the new entry has it. */
	if (err)
		emit(&d, 0, new_dir, d.object == (__u64)new_dentry ? LLH_PATH_PARENT : LLH_PATH_NONE);
	return err;
}

SEC("lsm/path_rename")
int BPF_PROG(llh_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	__u32 refer = LLH_REFER_REMOVABLE;
	struct llh_denial d = {};
	int err;

	if (ret)
		return ret;
	if (flags & LLH_RENAME_EXCHANGE)
		refer |= LLH_REFER_EXCHANGE;
	err = lsm_ret(llh_check_refer(LLH_ARG(1), LLH_ARG(2), LLH_ARG(3), refer, &d));
	if (err)
		emit(&d, 0, d.object == (__u64)old_dentry ? old_dir : new_dir, LLH_PATH_PARENT);
	return err;
}

/* ------------------------------------------------------------------------ */
/* Mount topology (Landlock's hook_sb_mount() and friends): denied to any task */
/* with a layer handling file-system access.                                */

static __always_inline int deny_topology_change(void)
{
	struct llh_scope_layer layer;

	if (!find_fs_layer(&layer))
		return 0;
	report(LLH_EVENT_CHANGE, layer.policy_id, LLH_CHANGE_MOUNT, LLH_EPERM, NULL);
	return -LLH_EPERM;
}

SEC("lsm/sb_mount")
int BPF_PROG(llh_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	if (ret)
		return ret;
	return deny_topology_change();
}

SEC("lsm/move_mount")
int BPF_PROG(llh_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	if (ret)
		return ret;
	return deny_topology_change();
}

SEC("lsm/sb_umount")
int BPF_PROG(llh_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret)
		return ret;
	return deny_topology_change();
}

SEC("lsm/sb_remount")
int BPF_PROG(llh_sb_remount, struct super_block *sb, void *mnt_opts, int ret)
{
	if (ret)
		return ret;
	return deny_topology_change();
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(llh_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	if (ret)
		return ret;
	return deny_topology_change();
}

/* ------------------------------------------------------------------------ */
/* TCP (Landlock's net.c)                                                   */

struct llh_net_subject {
	__u32 nlayers;
	__u32 top;
	__u32 policy[LLH_MAX_LAYERS];
	__u8 handled[LLH_MAX_LAYERS];
};

static int net_level_step(__u32 level, void *ctx)
{
	struct llh_net_subject *s = ctx;
	const struct llh_domain *dom;
	__u64 id;
	__u32 n;

	if (level > s->top)
		return 1;
	dom = domain_at(0, level, &id);
	if (!dom || !(dom->handled_net & 3))
		return 0;
	n = s->nlayers;
	if (n >= LLH_MAX_LAYERS) {
		/* Cannot be checked layer by layer: deny (fail closed). */
		s->policy[0] = 0;
		s->handled[0] = 3;
		s->nlayers = 1;
		return 1;
	}
	s->policy[n] = dom->policy_id;
	s->handled[n] = dom->handled_net & 3;
	s->nlayers = n + 1;
	return 0;
}

/* The layers handling TCP (Landlock's get_current_net_domain()). */
__noinline int llh_collect_net_layers(struct llh_net_subject *out)
{
	struct llh_net_subject s = {};

	if (!out)
		return 0;
	if (outside_domains()) {
		*out = s;
		return 0;
	}
	s.top = current_top_level();
	bpf_loop(LLH_MAX_CGROUP_LEVEL + 1, net_level_step, &s, 0);
	*out = s;
	return s.nlayers;
}

/* Landlock's current_check_access_socket(). */
static __always_inline int check_socket(struct socket *sock, struct sockaddr *address, int addrlen,
					__u32 request)
{
	struct llh_net_subject s = {};
	struct llh_port_key key = {};
	__u16 family = 0, sk_family;
	__be16 port = 0;

	if (!llh_collect_net_layers(&s))
		return 0;
	/* A (potential) TCP socket. */
	if (BPF_CORE_READ(sock, type) != SOCK_STREAM)
		return 0;
	if (addrlen < (int)(offsetof(struct sockaddr, sa_family) + sizeof(family)))
		return -LLH_EINVAL;
	bpf_probe_read_kernel(&family, sizeof(family), &address->sa_family);
	switch (family) {
	case LLH_AF_UNSPEC:
	case LLH_AF_INET:
		if (addrlen < (int)sizeof(struct sockaddr_in))
			return -LLH_EINVAL;
		bpf_probe_read_kernel(&port, sizeof(port),
				      &((struct sockaddr_in *)address)->sin_port);
		break;
	case LLH_AF_INET6:
		if (addrlen < LLH_SIN6_LEN_RFC2133)
			return -LLH_EINVAL;
		bpf_probe_read_kernel(&port, sizeof(port),
				      &((struct sockaddr_in6 *)address)->sin6_port);
		break;
	default:
		return 0;
	}
	sk_family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
	if (family == LLH_AF_UNSPEC) {
		/* Disconnecting is always allowed. */
		if (request == LANDLOCK_ACCESS_NET_CONNECT_TCP)
			return 0;
		/* bind(AF_UNSPEC) is accepted as AF_INET, with INADDR_ANY only. */
		if (sk_family != LLH_AF_INET)
			return -LLH_EINVAL;
		__u32 addr = 1;

		bpf_probe_read_kernel(&addr, sizeof(addr),
				      &((struct sockaddr_in *)address)->sin_addr.s_addr);
		if (addr != 0)
			return -LLH_EAFNOSUPPORT;
	} else if (family != sk_family) {
		return -LLH_EINVAL;
	}

	key.port = bpf_ntohs(port);
	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		__u32 *allowed;

		if (!(s.handled[l] & request))
			continue;
		key.policy_id = s.policy[l];
		allowed = bpf_map_lookup_elem(&llh_net_rules, &key);
		if (!allowed || !(*allowed & request)) {
			llh_report_net(s.policy[l], request, key.port);
			return -LLH_EACCES;
		}
	}
	return 0;
}

SEC("lsm/socket_bind")
int BPF_PROG(llh_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return ret;
	return check_socket(sock, address, addrlen, LANDLOCK_ACCESS_NET_BIND_TCP);
}

SEC("lsm/socket_connect")
int BPF_PROG(llh_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	return check_socket(sock, address, addrlen, LANDLOCK_ACCESS_NET_CONNECT_TCP);
}

/* ------------------------------------------------------------------------ */
/* Scopes and ptrace (Landlock's task.c).  Landlock's domain_is_scoped() lets */
/* the innermost scoped layer decide: the peer must be inside that layer's    */
/* domain, i.e. its cgroup must be the layer's cgroup or a descendant.        */

static __always_inline int scope_denied(const struct llh_scope_layer *layer, __u32 scope,
					struct dentry *object)
{
	report(LLH_EVENT_SCOPE, layer->policy_id, scope, LLH_EPERM, object);
	return -LLH_EPERM;
}

SEC("lsm/task_kill")
int BPF_PROG(llh_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	struct llh_scope_layer layer;

	if (ret)
		return ret;
	/* USB async I/O signals carry the sender's cred, not a task in a cgroup:
	 * not restricted by cgroup mode (a known difference).  Read as a number:
	 * the verifier takes BTF hook arguments for non-NULL and would hard-wire
	 * "if (cred)" as always taken. */
	if (LLH_ARG(3))
		return 0;
	/* Signals between threads of one process are always allowed. */
	if (BPF_CORE_READ(p, tgid) == (pid_t)(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (!find_inner_layer(LANDLOCK_SCOPE_SIGNAL, &layer))
		return 0;
	if (task_in_subtree(p, layer.cgroup_id, layer.level))
		return 0;
	return scope_denied(&layer, LANDLOCK_SCOPE_SIGNAL, NULL);
}

/* Landlock's hook_file_set_fowner(): the F_SETOWN caller's domain is what
 * SIGIO/SIGURG delivery is checked against. */
SEC("lsm/file_set_fowner")
int BPF_PROG(llh_file_set_fowner, struct file *file)
{
	struct llh_scope_layer layer;
	__u64 key = (__u64)file;

	if (!find_inner_layer(LANDLOCK_SCOPE_SIGNAL, &layer)) {
		drop_file_entry(&llh_fowners, &key);
		return 0;
	}
	struct llh_fowner fowner = {
		.cgroup_id = layer.cgroup_id,
		.level = layer.level,
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.policy_id = layer.policy_id,
	};
	put_file_entry(&llh_fowners, &key, &fowner);
	return 0;
}

SEC("lsm/file_send_sigiotask")
int BPF_PROG(llh_file_send_sigiotask, struct task_struct *tsk, struct fown_struct *fown, int signum,
	     int ret)
{
	__u64 key = (__u64)BPF_CORE_READ(fown, file);
	struct llh_fowner *fowner;
	struct llh_scope_layer layer = {};

	if (ret)
		return ret;
	fowner = bpf_map_lookup_elem(&llh_fowners, &key);
	if (!fowner)
		return 0;
	if (BPF_CORE_READ(tsk, tgid) == (pid_t)fowner->tgid)
		return 0;
	if (task_in_subtree(tsk, fowner->cgroup_id, fowner->level))
		return 0;
	layer.policy_id = fowner->policy_id;
	return scope_denied(&layer, LANDLOCK_SCOPE_SIGNAL, NULL);
}

/* Landlock's is_abstract_socket(). */
static __always_inline bool is_abstract_socket(struct sock *sk)
{
	struct unix_address *addr = BPF_CORE_READ((struct unix_sock *)sk, addr);
	char first = 1;

	if (!addr)
		return false;
	if (BPF_CORE_READ(addr, len) < (int)(offsetof(struct sockaddr_un, sun_path) + 1))
		return false;
	bpf_core_read(&first, 1, &addr->name[0].sun_path[0]);
	return first == '\0';
}

/* The peer socket's domain is the cgroup it was created in (sk_cgrp_data). */
static __always_inline int check_unix_peer(struct sock *other)
{
	struct llh_scope_layer layer;

	if (!find_inner_layer(LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, &layer))
		return 0;
	if (!is_abstract_socket(other))
		return 0;
	if (cgroup_in_subtree(BPF_CORE_READ(other, sk_cgrp_data.cgroup), layer.cgroup_id,
			      layer.level))
		return 0;
	return scope_denied(&layer, LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET, NULL);
}

SEC("lsm/unix_stream_connect")
int BPF_PROG(llh_unix_stream_connect, struct sock *sock, struct sock *other, struct sock *newsk,
	     int ret)
{
	if (ret)
		return ret;
	return check_unix_peer(other);
}

SEC("lsm/unix_may_send")
int BPF_PROG(llh_unix_may_send, struct socket *sock, struct socket *other, int ret)
{
	struct unix_sock *self;
	struct sock *other_sk;

	if (ret)
		return ret;
	other_sk = BPF_CORE_READ(other, sk);
	self = (struct unix_sock *)BPF_CORE_READ(sock, sk);
	/* Already connected to this peer: allowed when connecting. */
	if (BPF_CORE_READ(self, peer) == other_sk)
		return 0;
	return check_unix_peer(other_sk);
}

/* Landlock's hook_ptrace_access_check(): a sandboxed tracer may only reach
 * tasks inside its innermost domain. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(llh_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct llh_scope_layer layer;

	if (ret)
		return ret;
	if (!find_inner_layer(0, &layer))
		return 0;
	if (task_in_subtree(child, layer.cgroup_id, layer.level))
		return 0;
	report(LLH_EVENT_CHANGE, layer.policy_id, LLH_CHANGE_PTRACE, LLH_EPERM, NULL);
	return -LLH_EPERM;
}

/* Landlock's hook_ptrace_traceme(): the would-be tracer's innermost domain
 * must contain the current task. */
SEC("lsm/ptrace_traceme")
int BPF_PROG(llh_ptrace_traceme, struct task_struct *parent, int ret)
{
	struct llh_scope_layer layer;
	struct task_struct *current;

	if (ret)
		return ret;
	if (!task_inner_layer(parent, &layer))
		return 0;
	current = bpf_get_current_task_btf();
	if (task_in_subtree(current, layer.cgroup_id, layer.level))
		return 0;
	report(LLH_EVENT_CHANGE, layer.policy_id, LLH_CHANGE_PTRACE, LLH_EPERM, NULL);
	return -LLH_EPERM;
}

/* ------------------------------------------------------------------------ */
/* Cgroup mode's guards: no leaving the cgroup, no reaching our BPF objects  */

static int arm_level_step(__u32 level, void *ctx)
{
	__u32 *top = ctx;
	struct llh_domain *dom;
	__u64 id;

	if (level > *top)
		return 1;
	id = bpf_get_current_ancestor_cgroup_id(level);
	if (!id)
		return 0;
	dom = bpf_map_lookup_elem(&llh_domains, &id);
	/* A plain store: the flag is the only one, and every racing exec clears it alike. */
	if (dom && (dom->flags & LLH_DOMAIN_UNTIL_EXEC))
		dom->flags &= ~LLH_DOMAIN_UNTIL_EXEC;
	return 0;
}

/* A completed execve arms every domain of the task's cgroups that waited for one
 * (LLH_DOMAIN_UNTIL_EXEC): from the container's first program on, its domain holds. */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(llh_arm_on_exec, const struct linux_binprm *bprm)
{
	__u32 top;

	if (outside_domains())
		return 0;
	top = current_top_level();
	bpf_loop(LLH_MAX_CGROUP_LEVEL + 1, arm_level_step, &top, 0);
	return 0;
}

SEC("lsm/task_alloc")
int BPF_PROG(llh_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct llh_scope_layer layer;

	if (ret)
		return ret;
	if (!(clone_flags & LLH_CLONE_INTO_CGROUP))
		return 0;
	if (!find_inner_layer(0, &layer))
		return 0;
	report(LLH_EVENT_CHANGE, layer.policy_id, LLH_CHANGE_CGROUP, LLH_EPERM, NULL);
	return -LLH_EPERM;
}

/* bpf(2) commands that turn an id or a pin into a file descriptor, or detach. */
static __always_inline bool is_bpf_object_access(int cmd)
{
	switch (cmd) {
	case BPF_MAP_GET_FD_BY_ID:
	case BPF_PROG_GET_FD_BY_ID:
	case BPF_LINK_GET_FD_BY_ID:
	case BPF_BTF_GET_FD_BY_ID:
	case BPF_OBJ_GET:
	case BPF_LINK_DETACH:
	case BPF_LINK_UPDATE:
	case BPF_PROG_DETACH:
		return true;
	default:
		return false;
	}
}

SEC("lsm/bpf")
int BPF_PROG(llh_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	struct llh_scope_layer layer;

	if (ret)
		return ret;
	if (!is_bpf_object_access(cmd))
		return 0;
	if (!find_inner_layer(0, &layer))
		return 0;
	report(LLH_EVENT_CHANGE, layer.policy_id, LLH_CHANGE_BPF, LLH_EPERM, NULL);
	return -LLH_EPERM;
}

static __always_inline bool is_llh_name(const char *name)
{
	char prefix[4];

	if (bpf_probe_read_kernel(prefix, sizeof(prefix), name))
		return false;
	return prefix[0] == 'l' && prefix[1] == 'l' && prefix[2] == 'h' && prefix[3] == '_';
}

static __always_inline int guard_bpf_object(const char *name)
{
	struct llh_scope_layer layer;

	if (!is_llh_name(name))
		return 0;
	if (!find_inner_layer(0, &layer))
		return 0;
	report(LLH_EVENT_CHANGE, layer.policy_id, LLH_CHANGE_BPF, LLH_EPERM, NULL);
	return -LLH_EPERM;
}

SEC("lsm/bpf_map")
int BPF_PROG(llh_bpf_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	if (ret)
		return ret;
	return guard_bpf_object(map->name);
}

SEC("lsm/bpf_prog")
int BPF_PROG(llh_bpf_prog, struct bpf_prog *prog, int ret)
{
	if (ret)
		return ret;
	struct bpf_prog_aux *aux = BPF_CORE_READ(prog, aux);

	return guard_bpf_object(aux->name);
}

/* ------------------------------------------------------------------------ */
/* Cleanup: a removed cgroup takes its domain along                          */

/*
 * "The policy is gone when the unit stops": the domain goes with the cgroup
 * directory, whoever removes it and whether or not a loader runs afterwards.
 * The rules stay (deleting them means walking llh_fs_rules, not a job for a
 * tracepoint that runs under cgroup_mutex): the policy id waits in llh_orphans
 * for the loader (detach by id, the next attach, collect).  A raw tracepoint:
 * it needs no BPF trampoline.  cgroup_rmdir fires after the removal succeeded,
 * once no task is left in the cgroup.
 */
SEC("raw_tp/cgroup_rmdir")
int BPF_PROG(llh_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	const struct llh_domain *dom;
	__u32 policy_id;
	__u64 id;

	/* llh_domains holds cgroup v2 ids; a v1 hierarchy numbers its directories
	 * on its own, so one of its ids may equal a v2 cgroup's. */
	if (BPF_CORE_READ(cgrp, root) != BPF_CORE_READ(task, cgroups, dfl_cgrp, root))
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	dom = bpf_map_lookup_elem(&llh_domains, &id);
	if (!dom)
		return 0;
	policy_id = dom->policy_id;
	/* Should llh_orphans be full, the rules wait for collect(). */
	bpf_map_update_elem(&llh_orphans, &id, &policy_id, BPF_ANY);
	bpf_map_delete_elem(&llh_domains, &id);
	return 0;
}
