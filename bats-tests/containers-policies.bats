#!/usr/bin/env bats
# The example policies of contrib/policies/, each in a real container (runc through
# landlock-runtime, `file:NAME` from /etc/landlock/policies/), with a busybox stand-in that
# touches what the real server touches.

load oci-common

setup_file() {
    oci_require_runtime_suite runc
    require_or_fail "landlock-runtime is not built in $BUILD" test -x "$RUNTIME"
}

setup() {
    oci_setup_runtime_test runc policy
    POLICY="llh-example-$$-$BATS_TEST_NUMBER"
}

teardown() {
    # Through landlock-runtime, which removes the container's record and policy.
    "$RUNTIME" delete -f "$ID" >/dev/null 2>&1 || true
    runc delete -f "$ID" >/dev/null 2>&1 || true
    rm -f "/etc/landlock/policies/$POLICY.json"
    # Only empty directories go: an administrator's policies stay.
    rmdir /etc/landlock/policies /etc/landlock 2>/dev/null || true
}

# Installs contrib/policies/NAME.json as $POLICY and makes a bundle running `script`.
policy_bundle() {
    local name=$1 script=$2
    shift 2
    mkdir -p /etc/landlock/policies
    cp "$(oci_repo_root)/contrib/policies/$name.json" "/etc/landlock/policies/$POLICY.json"
    oci_make_bundle "$B" sh -c "$script"
    local dir
    for dir in "$@"; do mkdir -p "$B/rootfs$dir"; done
    oci_set_annotation "$B" io.landlock.rules "file:$POLICY"
}

@test "policy nginx: serves its files, writes its logs, binds 80 only, nothing else" {
    policy_bundle nginx '
        cat /usr/share/nginx/html/index.html
        echo "GET /" >> /var/log/nginx/access.log && echo log-ok
        echo defaced > /usr/share/nginx/html/index.html
        cat /secret/file
        timeout 1 nc -l -p 80; echo "bind 80 status $?"
        nc -l -p 81' \
        /usr/share/nginx/html /var/log/nginx /var/cache/nginx
    echo '<h1>hi</h1>' >"$B/rootfs/usr/share/nginx/html/index.html"
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"<h1>hi</h1>"* ]]
    [[ "$output" == *"log-ok"* ]]
    [[ "$output" == *"can't create /usr/share/nginx/html/index.html: Permission denied"* ]]
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]
    [[ "$output" == *"bind 80 status 143"* ]]  # still listening when timeout killed it
    [[ "$output" == *"nc: bind: Permission denied"* ]]
    [ "$(cat "$B/rootfs/var/log/nginx/access.log")" = "GET /" ]
}

@test "policy redis: persists to /data, binds 6379 only" {
    policy_bundle redis '
        echo "SET k v" > /data/appendonly.aof && echo aof-ok
        cat /secret/file
        echo x > /etc/redis.conf
        timeout 1 nc -l -p 6379; echo "bind 6379 status $?"
        nc -l -p 6380' \
        /data /usr/local/etc/redis
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"aof-ok"* ]]
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]
    [[ "$output" == *"can't create /etc/redis.conf: Permission denied"* ]]
    [[ "$output" == *"bind 6379 status 143"* ]]
    [[ "$output" == *"nc: bind: Permission denied"* ]]
}

@test "policy postgres: owns its data directory and socket directory, binds 5432 only" {
    policy_bundle postgres '
        mkdir /var/lib/postgresql/data/base && echo page > /var/lib/postgresql/data/base/1 && echo data-ok
        echo 1 > /run/postgresql/.s.PGSQL.5432.lock && echo lock-ok
        cat /secret/file
        rm /data/file
        timeout 1 nc -l -p 5432; echo "bind 5432 status $?"
        nc -l -p 5433' \
        /var/lib/postgresql/data /run/postgresql /usr/share/postgresql
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    [[ "$output" == *"data-ok"* ]]
    [[ "$output" == *"lock-ok"* ]]
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]
    [[ "$output" == *"rm: can't remove '/data/file': Permission denied"* ]]
    [[ "$output" == *"nc: bind: Permission denied"* ]]
    [ -e "$B/rootfs/data/file" ]
}

@test "policy shell-job: reads its input, writes its work, no network" {
    policy_bundle shell-job '
        wc -l < /data/file > /work/count && cat /work/count
        cat /secret/file
        echo x > /data/out
        nc -l -p 8080
        nc 127.0.0.1 80 </dev/null' \
        /work
    run "$RUNTIME" run --bundle "$B" "$ID"
    echo "$output"
    grep -qx 1 <<<"$output"  # wc -l of the one-line input
    [[ "$output" == *"can't open '/secret/file': Permission denied"* ]]
    [[ "$output" == *"can't create /data/out: Permission denied"* ]]
    [[ "$output" == *"nc: bind: Permission denied"* ]]
    [[ "$output" == *"Permission denied"*"Permission denied"*"Permission denied"*"Permission denied"* ]]
}
