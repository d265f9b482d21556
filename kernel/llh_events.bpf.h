/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Part of landlock_cgroup.bpf.c (included once, after its maps): denial events.
 * Each denial becomes one struct llh_event in llh_events, at most
 * LLH_EVENTS_PER_SEC per policy and second.  The check functions only note a
 * denial (struct llh_denial); the program that called them emits it, since only
 * the program holds a trusted struct path for bpf_path_d_path().
 */
#ifndef LLH_EVENTS_BPF_H
#define LLH_EVENTS_BPF_H

/* ------------------------------------------------------------------------ */
/* Events                                                                   */

/* A per-policy budget of LLH_EVENTS_PER_SEC events per second (racy, cheap). */
static __always_inline bool event_budget(__u32 policy_id)
{
	__u64 second = bpf_ktime_get_boot_ns() / 1000000000ULL;
	struct llh_rate *rate = bpf_map_lookup_elem(&llh_rate, &policy_id);

	if (!rate) {
		struct llh_rate fresh = { .second = second, .count = 1 };

		bpf_map_update_elem(&llh_rate, &policy_id, &fresh, BPF_ANY);
		return true;
	}
	if (rate->second != second) {
		rate->second = second;
		rate->count = 1;
		return true;
	}
	if (rate->count >= LLH_EVENTS_PER_SEC)
		return false;
	rate->count++;
	return true;
}

/*
 * A denial as the check functions note it for the program that called them:
 * the event is emitted there, because only the program holds the trusted
 * struct path that bpf_path_d_path() resolves (global functions get kernel
 * pointers as numbers).
 */
struct llh_denial {
	__u64 object; /* struct dentry * the event names, or 0 */
	__u32 policy_id;
	__u16 access; /* every access an event reports fits (ABI 6's rights, ops, scopes) */
	__u8 kind;    /* enum llh_event_kind; 0: nothing to report */
	__u8 error;   /* positive errno */
}; /* 16 bytes: it sits on the stack of programs whose calls use most of the 512 */

static __always_inline void note(struct llh_denial *d, __u32 kind, __u32 policy_id, __u64 access,
				 int error, __u64 object)
{
	if (!d)
		return;
	d->kind = kind;
	d->policy_id = policy_id;
	d->access = access;
	d->error = error;
	d->object = object;
}

/* What the struct path given to emit() is. */
enum llh_path_of {
	LLH_PATH_NONE = 0,
	LLH_PATH_OBJECT = 1, /* the object's own path */
	LLH_PATH_PARENT = 2, /* its directory's: the object's name is appended */
};

/* A dentry name longer than this leaves the event's path empty. */
#define LLH_EVENT_NAME_ROOM 64

/* ev->path = @dir's path + "/" + the name of @object (a dentry that may be
 * negative: mkdir, mknod...).  The directory gets the first 192 bytes so that
 * the verifier sees every write inside the 256. */
static __always_inline void path_in_dir(struct llh_event *ev, const struct path *dir, __u64 object)
{
	struct dentry *dentry = KPTR(struct dentry, object);
	long n = bpf_path_d_path((struct path *)dir, ev->path,
				 LLH_EVENT_PATH_MAX - LLH_EVENT_NAME_ROOM);
	__u32 at;

	ev->path[LLH_EVENT_PATH_MAX - 1] = '\0';
	if (n < 2 || n > LLH_EVENT_PATH_MAX - LLH_EVENT_NAME_ROOM ||
	    dentry->d_name.len >= LLH_EVENT_NAME_ROOM - 1)
		goto unknown;
	at = (n - 1) & 0xff; /* the NUL */
	if (at >= LLH_EVENT_PATH_MAX - LLH_EVENT_NAME_ROOM)
		goto unknown;
	if (!(at == 1 && ev->path[0] == '/')) {
		ev->path[at] = '/';
		at++;
	}
	if (at > LLH_EVENT_PATH_MAX - LLH_EVENT_NAME_ROOM)
		goto unknown;
	if (bpf_probe_read_kernel_str(&ev->path[at], LLH_EVENT_NAME_ROOM, dentry->d_name.name) < 0)
		goto unknown;
	return;
unknown:
	ev->path[0] = '\0';
}

/* One event (if the policy's budget allows) for @d; @path is a trusted hook
 * argument (or a struct embedded in one) when @path_of says what it is.  A
 * static subprogram (not a global one: @path keeps its type), so that its
 * locals are not on the stack of the programs' deepest call chains. */
static __noinline int emit(const struct llh_denial *d, __u32 port, const struct path *path,
			   __u32 path_of)
{
	struct llh_event *ev;

	if (!d->kind || !event_budget(d->policy_id))
		return 0;
	ev = bpf_ringbuf_reserve(&llh_events, sizeof(*ev), 0);
	if (!ev)
		return 0;
	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->access = d->access;
	ev->policy_id = d->policy_id;
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	ev->error = d->error;
	ev->kind = d->kind;
	ev->port = port;
	ev->pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->name[0] = '\0';
	if (d->object)
		bpf_probe_read_kernel_str(ev->name, sizeof(ev->name),
					  KPTR(struct dentry, d->object)->d_name.name);
	ev->path[0] = '\0';
	if (path && path_of == LLH_PATH_OBJECT) {
		if (bpf_path_d_path((struct path *)path, ev->path, sizeof(ev->path)) < 0)
			ev->path[0] = '\0';
	} else if (path && path_of == LLH_PATH_PARENT && d->object) {
		path_in_dir(ev, path, d->object);
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * The heavy functions below are global BPF functions (__noinline, not static):
 * the verifier checks each once, with unknown arguments, instead of once per
 * caller state; otherwise the combinations of layer counts and walk states
 * exceed its 1M instruction budget.  Their pointer arguments are either
 * pointers to our scalar-only structs (which may be NULL) or kernel pointers
 * passed as numbers.
 */

/* One event per denial, with the last path component of @object if any (no
 * path: the hooks that report this way have none). */
__noinline int llh_report(__u32 kind, __u32 policy_id, __u64 access, int error, __u64 object)
{
	struct llh_denial d = {};

	note(&d, kind, policy_id, access, error, object);
	emit(&d, 0, NULL, LLH_PATH_NONE);
	return 0;
}

__noinline int llh_report_net(__u32 policy_id, __u32 access, __u32 port)
{
	struct llh_denial d = {};

	note(&d, LLH_EVENT_NET, policy_id, access, LLH_EACCES, 0);
	emit(&d, port, NULL, LLH_PATH_NONE);
	return 0;
}

#define report(kind, policy_id, access, error, object) \
	llh_report(kind, policy_id, access, error, (__u64)(object))

#endif /* LLH_EVENTS_BPF_H */
