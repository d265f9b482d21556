/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of landlock_cgroup.bpf.c (included once, after the walk): cgroup mode's
 * own guards on file-system objects that Landlock does not need: bpffs (our
 * pinned links) and cgroupfs (moving, killing and freezing tasks).
 */
#ifndef LLH_FS_GUARDS_BPF_H
#define LLH_FS_GUARDS_BPF_H

/* ------------------------------------------------------------------------ */
/* Cgroup mode's own guards                                                 */

static __always_inline unsigned long dentry_magic(struct dentry *dentry)
{
	return KPTR(struct dentry, dentry)->d_sb->s_magic;
}

/* bpffs holds our pinned links: removing them would detach the programs. */
static __noinline int guard_bpffs(struct llh_fs_subject *s, struct dentry *dir, __u64 object,
				  struct llh_denial *d)
{
	if (!s->any_domain || dentry_magic(dir) != LLH_BPF_FS_MAGIC)
		return 0;
	note(d, LLH_EVENT_CHANGE, s->inner_policy, LLH_CHANGE_BPF, LLH_EPERM, object);
	return -LLH_EPERM;
}

/* A name read into a buffer (@got: bpf_probe_read_kernel_str()'s count, NUL
 * included) against a constant of @len bytes, NUL included. */
#define LLH_CGFILE_NAME 24
static __always_inline bool name_eq(const char *buf, long got, const char *want, __u32 len)
{
	if (got != (long)len || len > LLH_CGFILE_NAME)
		return false;
	for (__u32 i = 0; i < LLH_CGFILE_NAME; i++) {
		if (i >= len)
			break;
		if (buf[i] != want[i])
			return false;
	}
	return true;
}

enum llh_cgroup_file {
	LLH_CGFILE_OTHER = 0,
	LLH_CGFILE_MOVE = 1,	/* cgroup.procs, cgroup.threads, v1 tasks: moving tasks */
	LLH_CGFILE_CONTROL = 2, /* cgroup.kill, cgroup.freeze, cgroup.subtree_control, v1
				 * freezer.state: acting on every task of the cgroup */
};

/* Which of the guarded cgroupfs files @dentry is (@magic: its file system). */
static __noinline __u32 cgroup_file_kind(__u64 dentry, unsigned long magic)
{
	char buf[LLH_CGFILE_NAME] = {};
	long got = bpf_probe_read_kernel_str(buf, sizeof(buf),
					     KPTR(struct dentry, dentry)->d_name.name);
	bool v1 = magic == LLH_CGROUP_SUPER_MAGIC;

	if (name_eq(buf, got, "cgroup.procs", 13) || name_eq(buf, got, "cgroup.threads", 15) ||
	    (v1 && name_eq(buf, got, "tasks", 6)))
		return LLH_CGFILE_MOVE;
	if (name_eq(buf, got, "cgroup.kill", 12) || name_eq(buf, got, "cgroup.freeze", 14) ||
	    name_eq(buf, got, "cgroup.subtree_control", 23) ||
	    (v1 && name_eq(buf, got, "freezer.state", 14)))
		return LLH_CGFILE_CONTROL;
	return LLH_CGFILE_OTHER;
}

/*
 * Write-opens in cgroupfs that reach beyond the task's domain:
 *  - moving tasks (cgroup.procs, cgroup.threads, v1 tasks) is refused
 *    everywhere: a move out of the cgroup escapes the policy, and a move into
 *    it (allowed by the kernel wherever the writer may write the common
 *    ancestor's cgroup.procs) would sandbox a task that never asked;
 *  - killing, freezing or changing the controllers of a cgroup is refused
 *    outside the task's innermost domain (its cgroup and descendants stay its
 *    own business, under its file-system rules, as with Landlock);
 *  - cgroup v1 hierarchies cannot be placed in the domains' tree: refused.
 * A global function: only write-opens of sandboxed tasks on cgroupfs get past
 * its first tests.
 */
__noinline int llh_guard_cgroup_file(__u64 file_addr, struct llh_denial *d)
{
	struct file *file = KPTR(struct file, file_addr);
	struct llh_scope_layer layer = {};
	__u64 dentry, cgrp;
	unsigned long magic;
	__u32 kind;

	if (!(file->f_mode & LLH_FMODE_WRITE))
		return 0;
	dentry = (__u64)file->f_path.dentry;
	magic = dentry_magic((struct dentry *)dentry);
	if (magic != LLH_CGROUP2_SUPER_MAGIC && magic != LLH_CGROUP_SUPER_MAGIC)
		return 0;
	kind = cgroup_file_kind(dentry, magic);
	if (kind == LLH_CGFILE_OTHER)
		return 0;
	if (!llh_find_layer(0, LLH_FIND_ANY, 0, &layer))
		return 0;
	if (kind == LLH_CGFILE_CONTROL && magic == LLH_CGROUP2_SUPER_MAGIC) {
		/* The file's directory is a cgroup: its kernfs node's priv. */
		struct inode *dir = KPTR(struct dentry, dentry)->d_parent->d_inode;

		cgrp = dir ? (__u64)KPTR(struct kernfs_node, dir->i_private)->priv : 0;
		if (cgrp && cgroup_in_subtree((struct cgroup *)cgrp, layer.cgroup_id, layer.level))
			return 0;
	}
	drop_file_entry(&llh_files, &file_addr);
	note(d, LLH_EVENT_CHANGE, layer.policy_id, LLH_CHANGE_CGROUP, LLH_EPERM, dentry);
	return -LLH_EPERM;
}

#endif /* LLH_FS_GUARDS_BPF_H */
