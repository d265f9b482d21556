// SPDX-License-Identifier: GPL-2.0
/* Cgroup mode: Landlock's semantics on whole cgroups, from outside. (Being written.) */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "llh_bpf_abi.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LLH_MAX_DOMAINS);
	__type(key, __u64);
	__type(value, struct llh_domain);
} llh_domains SEC(".maps");

SEC("lsm/file_open")
int BPF_PROG(llh_file_open, struct file *file)
{
	return 0;
}
