/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of landlock_cgroup.bpf.c (included once, after the layers): the dentry
 * walk, Landlock's is_access_to_paths_allowed() and collect_domain_accesses().
 * Its cost is what a deep path pays: per step, five direct loads (KPTR) and one
 * rule lookup per layer that still denies something.
 */
#ifndef LLH_WALK_BPF_H
#define LLH_WALK_BPF_H

/* ------------------------------------------------------------------------ */
/* The dentry walk (Landlock's is_access_to_paths_allowed() and             */
/* collect_domain_accesses())                                               */

enum llh_walk_phase {
	LLH_PHASE_CHECK = 0, /* look up the rules of the current dentry, then go up */
	LLH_PHASE_UP = 1,    /* just crossed a mount point: its dentry is hidden */
};

enum llh_walk_end {
	LLH_WALK_RUNNING = 0,
	LLH_WALK_DONE = 1,
};

struct llh_walk {
	struct llh_fs_subject s;
	/* Per layer, the requested rights it still denies (Landlock's layer masks). */
	__u16 den1[LLH_MAX_LAYERS];
	__u16 den2[LLH_MAX_LAYERS];
	/* Refer only: the rights the moved/exchanged children get from their own rule. */
	__u16 child1[LLH_MAX_LAYERS];
	__u16 child2[LLH_MAX_LAYERS];
	__u16 req1, req2;
	__u8 dom_check; /* refer: still comparing the source and destination hierarchies */
	__u8 allowed1, allowed2;
	__u8 child1_dir, child2_dir, has_child2;
	__u8 phase, end, truncated;
	__u8 which;     /* collect walk: 1 = den1, 2 = den2 */
	__u8 refer_flags;
	__u64 dentry;   /* struct dentry * */
	__u64 mnt;      /* struct mount * holding dentry */
	__u64 mnt_root; /* mnt->mnt.mnt_root; collect walk: the mount root where it ends */
	/* The rule lookup key: here rather than in each step's frame, which the
	 * 512-byte BPF stack (summed over the call chain) cannot afford. */
	struct llh_inode_key key;
};

static __always_inline struct mount *real_mount(struct vfsmount *mnt)
{
	return (void *)mnt - bpf_core_field_offset(struct mount, mnt);
}

static __always_inline bool dentry_is_dir(struct dentry *dentry)
{
	struct inode *inode = KPTR(struct dentry, dentry)->d_inode;

	if (!inode)
		return false;
	return (inode->i_mode & LLH_S_IFMT) == LLH_S_IFDIR;
}

/* Pseudo file systems never mountable (sockfs, pipefs...) and private inodes:
 * allowed (Landlock's is_nouser_or_private()). */
static __always_inline bool is_nouser_or_private(struct dentry *dentry_addr)
{
	struct dentry *dentry = KPTR(struct dentry, dentry_addr);
	struct inode *inode;

	if (dentry->d_sb->s_flags & LLH_SB_NOUSER)
		return true;
	inode = dentry->d_inode;
	return inode && (inode->i_flags & LLH_S_PRIVATE);
}

/* Fills w->key (but its policy_id) with the identity of a positive dentry's
 * inode, as llh_identify reports it. */
static __always_inline bool inode_key(struct llh_walk *w, __u64 dentry_addr)
{
	struct inode *inode = KPTR(struct dentry, dentry_addr)->d_inode;

	if (!inode)
		return false; /* negative dentries carry no rule (find_rule()) */
	w->key.ino = inode->i_ino;
	w->key.generation = inode->i_generation;
	w->key.dev = inode->i_sb->s_dev;
	w->key.pad = 0;
	return true;
}

#define LLH_UNMASK_1 1
#define LLH_UNMASK_2 2

/* The layers in use: slots past it are zero.  Loops over layers stop there
 * (in global functions, where the count is an unknown number to the verifier,
 * that costs it one short path per count, not a state explosion). */
static __always_inline __u32 layer_count(const struct llh_walk *w)
{
	__u32 n = w->s.nlayers;

	return n > LLH_MAX_LAYERS ? LLH_MAX_LAYERS : n;
}

/* Clears, in den1 and/or den2, the rights the dentry's rules grant per layer
 * (landlock_unmask_layers()).  Only layers that still deny something look up.
 * Returns which of den1 (bit 0) and den2 (bit 1) are all clear afterwards.
 * The lookup loop keeps four values live across the helper call, so they stay
 * in callee-saved registers: spills would grow the step's frame, and the call
 * chains of the refer hooks are within a few bytes of the 512-byte stack. */
static __always_inline __u32 unmask_at(struct llh_walk *w, __u64 dentry, __u32 which)
{
	__u32 n = layer_count(w);
	__u16 left1 = 0, left2 = 0;

	if (inode_key(w, dentry)) {
		LLH_PER_LAYER
		for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
			__u64 *allowed;

			if (l >= n)
				break;
			if (!(((which & LLH_UNMASK_1) ? w->den1[l] : 0) |
			      ((which & LLH_UNMASK_2) ? w->den2[l] : 0)))
				continue;
			w->key.policy_id = w->s.policy[l];
			allowed = bpf_map_lookup_elem(&llh_fs_rules, &w->key);
			if (!allowed)
				continue;
			if (which & LLH_UNMASK_1)
				w->den1[l] &= ~*allowed;
			if (which & LLH_UNMASK_2)
				w->den2[l] &= ~*allowed;
		}
	}
	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		if (l >= n)
			break;
		left1 |= w->den1[l];
		left2 |= w->den2[l];
	}
	return (left1 ? 0 : LLH_UNMASK_1) | (left2 ? 0 : LLH_UNMASK_2);
}

/* Child masks for refer: the handled rights minus the child's own rule. */
static __noinline void child_masks(struct llh_walk *w, __u64 dentry, __u16 *out)
{
	bool positive = inode_key(w, dentry);

	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		__u64 *allowed;

		out[l] = w->s.handled[l];
		if (!positive || !out[l])
			continue;
		w->key.policy_id = w->s.policy[l];
		allowed = bpf_map_lookup_elem(&llh_fs_rules, &w->key);
		if (allowed)
			out[l] &= ~*allowed;
	}
}

static __always_inline bool all_clear(const __u16 *den)
{
	__u16 acc = 0;

	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		acc |= den[l];
	}
	return !acc;
}

/* Landlock's no_more_access(): the destination hierarchy restricts at least as
 * much as the source one (and conversely for RENAME_EXCHANGE), per layer. */
static __always_inline bool no_more_access(const struct llh_walk *w)
{
	__u16 mask1 = w->child1_dir ? LLH_FS_ALL : LLH_FS_FILE;
	__u16 mask2 = w->child2_dir ? LLH_FS_ALL : LLH_FS_FILE;

	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		if (w->den1[l] & w->child1[l] & mask1 & ~w->den2[l])
			return false;
		if (w->has_child2 && (w->den2[l] & w->child2[l] & mask2 & ~w->den1[l]))
			return false;
	}
	return true;
}

/* Keeps only the requested rights (Landlock's scope_to_request()). */
static __always_inline void scope_to_request(__u16 *den, __u16 request)
{
	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		den[l] &= request;
	}
}

static __always_inline void enter_mount(struct llh_walk *w, __u64 mnt)
{
	w->mnt = mnt;
	w->mnt_root = (__u64)KPTR(struct mount, mnt)->mnt.mnt_root;
}

/* The body of is_access_to_paths_allowed()'s loop at w->dentry: returns 1
 * when both requests are allowed. */
static __always_inline int check_dentry(struct llh_walk *w)
{
	__u32 clear;

	if (w->dom_check && no_more_access(w)) {
		/* Downgrades the remaining checks from the domain's handled rights
		 * to the requested ones. */
		w->dom_check = 0;
		scope_to_request(w->den1, w->req1);
		scope_to_request(w->den2, w->req2);
		w->allowed1 |= all_clear(w->den1);
		w->allowed2 |= all_clear(w->den2);
		if (w->allowed1 && w->allowed2)
			return 1;
	}
	clear = unmask_at(w, w->dentry, LLH_UNMASK_1 | LLH_UNMASK_2);
	w->allowed1 |= !!(clear & LLH_UNMASK_1);
	w->allowed2 |= !!(clear & LLH_UNMASK_2);
	return w->allowed1 && w->allowed2;
}

/* One step of is_access_to_paths_allowed(): check the rules of the current
 * dentry, then move to its parent, crossing mount points upwards.  Returns 1
 * when the walk is over.  A global function, verified once: the bpf_loop()
 * callback that calls it stays trivial. */
__noinline int llh_walk_step(struct llh_walk *w)
{
	__u64 parent;

	if (!w)
		return 1;
	if (w->phase == LLH_PHASE_CHECK && check_dentry(w))
		goto done;

	if (w->dentry == w->mnt_root) {
		struct mount *mnt = KPTR(struct mount, w->mnt);
		__u64 up = (__u64)mnt->mnt_parent;

		/* Stops at the real root (follow_up() fails); the chroot is ignored. */
		if (up == w->mnt)
			goto done;
		/* The mount point itself is hidden by the mount: not checked. */
		w->dentry = (__u64)mnt->mnt_mountpoint;
		enter_mount(w, up);
		w->phase = LLH_PHASE_UP;
		return 0;
	}
	parent = (__u64)KPTR(struct dentry, w->dentry)->d_parent;
	if (parent == w->dentry) {
		/* A disconnected root: only internal mounts (nsfs...) are allowed. */
		if (KPTR(struct mount, w->mnt)->mnt.mnt_flags & LLH_MNT_INTERNAL) {
			w->allowed1 = 1;
			w->allowed2 = 1;
		}
		goto done;
	}
	w->dentry = parent;
	w->phase = LLH_PHASE_CHECK;
	return 0;
done:
	w->end = LLH_WALK_DONE;
	return 1;
}

static int walk_step(__u32 index, void *ctx)
{
	return llh_walk_step(ctx) ? 1 : 0; /* bpf_loop() wants 0 or 1 */
}

/* Runs the walk from @dentry in @mnt; returns allowed1 && allowed2.  Reaching
 * LLH_MAX_WALK steps denies. */
static __always_inline bool walk_path(struct llh_walk *w, __u64 dentry, __u64 vfsmnt)
{
	if (!w)
		return 0;
	w->dentry = dentry;
	enter_mount(w, (__u64)real_mount((struct vfsmount *)vfsmnt));
	w->phase = LLH_PHASE_CHECK;
	w->end = LLH_WALK_RUNNING;
	bpf_loop(LLH_MAX_WALK, walk_step, w, 0);
	if (w->end != LLH_WALK_DONE) {
		w->truncated = 1;
		return 0;
	}
	return w->allowed1 && w->allowed2;
}

/* One step of collect_domain_accesses() (same mount only): unmask den1
 * (w->which == 1) or den2 at w->dentry, then go up.  Returns 1 when the walk
 * is over. */
__noinline int llh_collect_step(struct llh_walk *w)
{
	__u32 which;
	__u64 parent;

	if (!w)
		return 1;
	which = w->which == 1 ? LLH_UNMASK_1 : LLH_UNMASK_2;
	if (unmask_at(w, w->dentry, which) & which)
		goto allowed;
	if (w->dentry == w->mnt_root)
		goto done;
	parent = (__u64)KPTR(struct dentry, w->dentry)->d_parent;
	if (parent == w->dentry)
		goto done;
	w->dentry = parent;
	return 0;
allowed:
	w->phase = 1; /* reused as "every handled right is allowed" */
done:
	w->end = LLH_WALK_DONE;
	return 1;
}

static int collect_step(__u32 index, void *ctx)
{
	return llh_collect_step(ctx) ? 1 : 0; /* bpf_loop() wants 0 or 1 */
}

/* Landlock's collect_domain_accesses() from @dir up to @mnt_root into den1
 * (@which == 1) or den2.  Returns true when every handled right is allowed. */
static __always_inline bool collect_domain_accesses(struct llh_walk *w, __u64 mnt_root, __u64 dir_addr,
					       __u32 which)
{
	struct dentry *dir = (void *)dir_addr;
	__u16 *den;

	if (!w)
		return 0;
	den = which == 1 ? w->den1 : w->den2;
	if (is_nouser_or_private(dir))
		return true; /* masks stay empty */
	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		den[l] = w->s.handled[l];
	}
	w->which = which;
	w->dentry = dir_addr;
	w->mnt_root = mnt_root;
	w->phase = 0;
	w->end = LLH_WALK_RUNNING;
	bpf_loop(LLH_MAX_WALK, collect_step, w, 0);
	if (w->end != LLH_WALK_DONE) {
		w->truncated = 1;
		return 0;
	}
	return w->phase == 1;
}

/* The first layer (innermost first, as Landlock reports) still denying. */
static __always_inline __u32 denying_policy(const struct llh_walk *w)
{
	__u32 policy = 0;

	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		if (w->den1[l] | w->den2[l])
			policy = w->s.policy[l];
	}
	return policy ? policy : w->s.inner_policy;
}

static __always_inline void init_request(struct llh_walk *w, __u16 request)
{
	LLH_PER_LAYER
	for (__u32 l = 0; l < LLH_MAX_LAYERS; l++) {
		w->den1[l] = request & w->s.handled[l];
	}
	w->req1 = request;
	w->allowed1 = all_clear(w->den1);
	w->allowed2 = 1;
}

/* Landlock's current_check_access_path(): @request on @path for the collected
 * layers.  Returns 0 or -EACCES. */
static __always_inline int check_access_path(struct llh_walk *w, __u64 dentry_addr, __u64 vfsmnt,
					__u32 request, __u64 object, struct llh_denial *d)
{
	struct dentry *dentry = (void *)dentry_addr;

	if (!w)
		return 0;
	if (w->s.overflow)
		goto deny;
	init_request(w, request);
	if (w->allowed1 || is_nouser_or_private(dentry))
		return 0;
	if (walk_path(w, dentry_addr, vfsmnt))
		return 0;
deny:
	note(d, LLH_EVENT_FS, denying_policy(w), request, LLH_EACCES, object);
	return -LLH_EACCES;
}

#endif /* LLH_WALK_BPF_H */
