// SPDX-License-Identifier: GPL-2.0
/*
 * The floor under cgroup mode's cost for tasks outside every sandbox, for
 * bench/vm_open_bench.cpp: BPF LSM programs that do nothing, on the two hooks an
 * open()+close() loop reaches (file_open, file_free_security).  What they cost
 * is the kernel's BPF trampoline, which any BPF LSM program on those hooks pays
 * whatever it does; what cgroup mode adds above it is its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("lsm/file_open")
int BPF_PROG(floor_file_open, struct file *file, int ret)
{
	return ret;
}

SEC("lsm/file_free_security")
int BPF_PROG(floor_file_free_security, struct file *file)
{
	return 0;
}
