/* The floor of the spawn benchmark: only what any Landlock launcher must do (create the ruleset,
 * add the 20 rules of bench_paths.h, set no_new_privs, restrict itself, exec argv[1]).
 * The UAPI is declared here: Debian 12's linux-libc-dev stops at ABI 2 and this is C. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_paths.h"

/* The ABI 1 layout (file system only): enough for a file-system ruleset on any ABI. */
struct ruleset_attr {
    uint64_t handled_access_fs;
};
struct __attribute__((packed)) path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
};

int main(int argc, char** argv) {
    struct ruleset_attr attr = {BENCH_HANDLED_FS};
    int ruleset = (int)syscall(444 /* landlock_create_ruleset */, &attr, sizeof attr, 0U);
    if (argc < 2 || ruleset < 0) return perror("floor: usage: floor CMD [ARG...]; landlock_create_ruleset"), 126;
    for (size_t i = 0; i < sizeof bench_paths / sizeof bench_paths[0]; i++) {
        struct path_beneath_attr rule = {BENCH_ALLOWED_FS, open(bench_paths[i], O_PATH | O_CLOEXEC)};
        if (rule.parent_fd < 0 || syscall(445 /* landlock_add_rule */, ruleset, 1 /* path beneath */, &rule, 0U) != 0)
            return perror(bench_paths[i]), 126;
        close(rule.parent_fd);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0 || syscall(446 /* landlock_restrict_self */, ruleset, 0U) != 0)
        return perror("floor: landlock_restrict_self"), 126;
    close(ruleset);
    execv(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
