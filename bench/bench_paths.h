/* The one policy every variant of the spawn benchmark enforces, shared by floor.c (C) and
 * spawn_bench.cpp (which writes it as a landlockconfig file for landlock-launch), so that the
 * floor and the launcher build exactly the same ruleset. */
#ifndef LLH_BENCH_PATHS_H
#define LLH_BENCH_PATHS_H

/* 20 directories that exist on every Debian 12 system. */
static const char* const bench_paths[] = {
    "/usr", "/usr/bin", "/usr/lib",   "/usr/share", "/usr/local", "/bin", "/sbin", "/lib",  "/lib64", "/etc",
    "/var", "/var/lib", "/var/cache", "/tmp",       "/opt",       "/srv", "/home", "/root", "/run",   "/dev",
};

/* Handled: every file-system right up to ABI 5 (execute .. ioctl_dev, bits 0 to 15), a fixed set
 * so that the ruleset does not depend on the kernel (this needs Landlock ABI 5 or later). */
#define BENCH_HANDLED_FS ((1ULL << 16) - 1)
/* Allowed beneath each path: execute, read_file, read_dir. */
#define BENCH_ALLOWED_FS ((1ULL << 0) | (1ULL << 2) | (1ULL << 3))
#define BENCH_MIN_ABI 5

#endif
