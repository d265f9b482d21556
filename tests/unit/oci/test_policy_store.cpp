// Content-named policies and per-container records: poststop removes only what is nobody else's.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>

#include "oci-hook/file_io.hpp"
#include "oci-hook/policy_store.hpp"
#include "oci_fixture.hpp"

namespace llh::test {
namespace {

class Store : public OciTest {
protected:
    ContainerRecord record(const std::string& id, const std::string& policy) {
        ContainerRecord r;
        r.id = id;
        r.bundle = "/bundles/" + id;
        r.policy_path = policy;
        timespec now{};
        ::clock_gettime(CLOCK_REALTIME, &now);
        r.recorded_at_ns = static_cast<std::int64_t>(now.tv_sec) * 1000000000LL + now.tv_nsec;
        return r;
    }
};

TEST(Sha256, matches_the_standard_vectors) {
    EXPECT_EQ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha256_hex(""));
    EXPECT_EQ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", sha256_hex("abc"));
    // 56 bytes: the length no longer fits the first padding block.
    EXPECT_EQ("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
              sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
    EXPECT_EQ("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
              sha256_hex(std::string(1000000, 'a')));
    // Around the padding boundaries (55/56 and 119/120 bytes), checked against sha256sum(1).
    const std::pair<std::size_t, const char*> kBoundaries[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
        {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
    };
    for (const auto& [size, digest] : kBoundaries) {
        EXPECT_EQ(digest, sha256_hex(std::string(size, 'x'))) << size;
    }
}

TEST_F(Store, the_last_container_using_a_policy_removes_it) {
    auto path = store_policy(settings_.store, "{\"a\":1}");
    ASSERT_TRUE(path) << path.error().what();
    ASSERT_TRUE(write_record(settings_.store, record("one", *path)));
    ASSERT_TRUE(write_record(settings_.store, record("two", *path)));

    auto first = release_container(settings_.store, "one");
    ASSERT_TRUE(first) << first.error().what();
    EXPECT_TRUE(first->had_record);
    EXPECT_FALSE(first->removed_policy);
    EXPECT_TRUE(std::filesystem::exists(*path));

    auto second = release_container(settings_.store, "two");
    ASSERT_TRUE(second);
    EXPECT_EQ(*path, second->removed_policy.value_or(""));
    EXPECT_FALSE(std::filesystem::exists(*path));
    EXPECT_TRUE(std::filesystem::is_empty(settings_.store.containers));
}

TEST_F(Store, a_policy_refreshed_by_a_starting_container_is_kept) {
    auto path = store_policy(settings_.store, "{\"b\":1}");
    ASSERT_TRUE(path);
    ContainerRecord old = record("old", *path);
    old.recorded_at_ns -= 10'000'000'000LL;  // recorded ten seconds before the refresh
    ASSERT_TRUE(write_record(settings_.store, old));
    ASSERT_TRUE(store_policy(settings_.store, "{\"b\":1}"));
    auto released = release_container(settings_.store, "old");
    ASSERT_TRUE(released);
    EXPECT_FALSE(released->removed_policy);
    EXPECT_TRUE(std::filesystem::exists(*path));
}

TEST_F(Store, releasing_an_unknown_container_touches_nothing) {
    auto path = store_policy(settings_.store, "{\"c\":1}");
    ASSERT_TRUE(path);
    auto released = release_container(settings_.store, "never-recorded");
    ASSERT_TRUE(released);
    EXPECT_FALSE(released->had_record);
    EXPECT_TRUE(std::filesystem::exists(*path));
}

// A hook killed in the middle of a write leaves NAME.tmp.PID...: the next release removes it once
// its writer is gone, and leaves a live writer's alone.
TEST_F(Store, a_release_removes_the_temporaries_of_killed_writers_only) {
    auto path = store_policy(settings_.store, "{\"t\":1}");
    ASSERT_TRUE(path);
    const pid_t dead = ::fork();
    ASSERT_GE(dead, 0);
    if (dead == 0) ::_exit(0);
    ASSERT_EQ(dead, ::waitpid(dead, nullptr, 0));
    const std::string containers = settings_.store.containers;
    const std::string killed = containers + "/c1.json.tmp." + std::to_string(dead) + ".1.42";
    const std::string writing = containers + "/c2.json.tmp." + std::to_string(::getpid()) + ".1.43";
    const std::string killed_policy = *path + ".tmp." + std::to_string(dead) + ".2.44";
    std::filesystem::create_directories(containers);
    for (const auto& file : {killed, writing, killed_policy}) {
        std::ofstream(file) << "{";
        ASSERT_TRUE(std::filesystem::exists(file)) << file;
    }
    ASSERT_TRUE(release_container(settings_.store, "never-recorded"));
    EXPECT_FALSE(std::filesystem::exists(killed));
    EXPECT_FALSE(std::filesystem::exists(killed_policy));
    EXPECT_TRUE(std::filesystem::exists(writing));
    EXPECT_TRUE(std::filesystem::exists(*path));
}

TEST_F(Store, ids_that_are_not_file_names_are_refused) {
    for (const std::string id : {"", "../x", "a/b", ".hidden", "a b"}) {
        EXPECT_FALSE(check_container_id(id)) << id;
        EXPECT_FALSE(release_container(settings_.store, id)) << id;
    }
    EXPECT_TRUE(check_container_id("3f2a9c_web-1.x"));
}

TEST_F(Store, records_round_trip) {
    ContainerRecord r = record("rt", "/run/landlock-hooks/policies/x.json");
    r.annotations = Json{{"io.landlock.rules", "rx:/bin"}};
    r.runtime_root = "/run/runc";
    r.creator_pid = 4242;
    r.creator_start_time = 123456789;
    ASSERT_TRUE(write_record(settings_.store, r));
    auto read = read_record(settings_.store, "rt");
    ASSERT_TRUE(read) << read.error().what();
    ASSERT_TRUE(*read);
    EXPECT_EQ(r.to_json(), (*read)->to_json());
    auto missing = read_record(settings_.store, "absent");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
}

// Garbage collection: records of containers gone without a delete through landlock-runtime, and
// policy files nobody's record names.
class Gc : public Store {
protected:
    void SetUp() override {
        Store::SetUp();
        runtime_root_ = root_ / "runtime";
        std::filesystem::create_directories(runtime_root_);
    }
    // A record as landlock-runtime writes it, for a container whose creator has exited.
    ContainerRecord wrapper_record(const std::string& id, const std::string& policy) {
        ContainerRecord r = record(id, policy);
        r.stage = "landlock-runtime";
        r.runtime_root = runtime_root_.string();
        r.creator_pid = exited_pid();
        r.creator_start_time = 1;
        return r;
    }
    static std::int64_t exited_pid() {
        const pid_t pid = ::fork();
        if (pid == 0) ::_exit(0);
        int status = 0;
        ::waitpid(pid, &status, 0);
        return pid;
    }
    GcSettings now(std::int64_t grace_s = 300) const { return {realtime_ns(), grace_s * 1000000000LL}; }
    bool has_record(const std::string& id) const {
        return std::filesystem::exists(settings_.store.containers + "/" + id + ".json");
    }
    void age(const std::string& path, int seconds) {
        timespec times[2];
        ::clock_gettime(CLOCK_REALTIME, &times[0]);
        times[0].tv_sec -= seconds;
        times[1] = times[0];
        ASSERT_EQ(0, ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW));
    }
    std::filesystem::path runtime_root_;
};

TEST_F(Gc, a_container_gone_from_the_runtime_loses_its_record_and_its_policy) {
    auto path = store_policy(settings_.store, "{\"gone\":1}");
    ASSERT_TRUE(path);
    ASSERT_TRUE(write_record(settings_.store, wrapper_record("gone", *path)));
    auto report = collect_garbage(settings_.store, now());
    ASSERT_TRUE(report) << report.error().what();
    EXPECT_EQ(std::vector<std::string>{"gone"}, report->removed_records);
    EXPECT_EQ(std::vector<std::string>{*path}, report->removed_policies);
    EXPECT_FALSE(has_record("gone"));
    EXPECT_FALSE(std::filesystem::exists(*path));
}

TEST_F(Gc, a_container_the_runtime_still_holds_is_kept) {
    auto path = store_policy(settings_.store, "{\"alive\":1}");
    ASSERT_TRUE(path);
    ASSERT_TRUE(write_record(settings_.store, wrapper_record("alive", *path)));
    std::filesystem::create_directories(runtime_root_ / "alive");
    auto report = collect_garbage(settings_.store, now(0));
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->removed_records.empty());
    EXPECT_TRUE(report->removed_policies.empty());
    EXPECT_TRUE(has_record("alive"));
    EXPECT_TRUE(std::filesystem::exists(*path));
}

TEST_F(Gc, a_container_still_being_created_is_kept) {
    // Its creator (the wrapper, become the runtime) runs: the runtime has not made its state yet.
    auto path = store_policy(settings_.store, "{\"creating\":1}");
    ASSERT_TRUE(path);
    ContainerRecord r = wrapper_record("creating", *path);
    r.creator_pid = ::getpid();
    r.creator_start_time = process_start_time(::getpid()).value_or(0);
    ASSERT_NE(0U, r.creator_start_time);
    ASSERT_TRUE(write_record(settings_.store, r));
    ASSERT_TRUE(collect_garbage(settings_.store, now(0)));
    EXPECT_TRUE(has_record("creating"));
    // The same pid with another start time is another process: the creator has gone.
    r.creator_start_time += 1;
    ASSERT_TRUE(write_record(settings_.store, r));
    ASSERT_TRUE(collect_garbage(settings_.store, now(0)));
    EXPECT_FALSE(has_record("creating"));
}

TEST_F(Gc, records_it_cannot_judge_are_kept) {
    auto path = store_policy(settings_.store, "{\"unknown\":1}");
    ASSERT_TRUE(path);
    ContainerRecord hook = record("by-hook", *path);  // createRuntime's record: poststop releases it
    ASSERT_TRUE(write_record(settings_.store, hook));
    ContainerRecord elsewhere = wrapper_record("elsewhere", *path);
    elsewhere.runtime_root = (root_ / "no-such-root").string();  // not in this mount namespace?
    ASSERT_TRUE(write_record(settings_.store, elsewhere));
    auto report = collect_garbage(settings_.store, now(0));
    ASSERT_TRUE(report);
    EXPECT_TRUE(report->removed_records.empty());
    EXPECT_TRUE(has_record("by-hook"));
    EXPECT_TRUE(has_record("elsewhere"));
    EXPECT_TRUE(std::filesystem::exists(*path));
}

TEST_F(Gc, a_shared_policy_stays_while_another_record_names_it) {
    auto path = store_policy(settings_.store, "{\"shared\":1}");
    ASSERT_TRUE(path);
    ASSERT_TRUE(write_record(settings_.store, wrapper_record("gone", *path)));
    ASSERT_TRUE(write_record(settings_.store, wrapper_record("alive", *path)));
    std::filesystem::create_directories(runtime_root_ / "alive");
    auto report = collect_garbage(settings_.store, now(0));
    ASSERT_TRUE(report);
    EXPECT_EQ(std::vector<std::string>{"gone"}, report->removed_records);
    EXPECT_TRUE(report->removed_policies.empty());
    EXPECT_TRUE(std::filesystem::exists(*path));
}

TEST_F(Gc, a_stray_policy_goes_after_the_grace_period_only) {
    // A start that failed between the rewrite and the record left its policy to nobody.
    auto stray = store_policy(settings_.store, "{\"stray\":1}");
    auto fresh = store_policy(settings_.store, "{\"fresh\":1}");
    auto used = store_policy(settings_.store, "{\"used\":1}");
    ASSERT_TRUE(stray && fresh && used);
    ASSERT_TRUE(write_record(settings_.store, record("user", *used)));
    age(*stray, 600);
    age(*used, 600);
    const std::string temp =
        settings_.store.policies + "/" + std::filesystem::path(*stray).filename().string() + ".tmp.1.1.1";
    write_text(temp, "{");
    age(temp, 600);
    const std::string foreign = settings_.store.policies + "/README";  // not ours: never touched
    write_text(foreign, "x");
    age(foreign, 600);

    auto report = collect_garbage(settings_.store, now(300));
    ASSERT_TRUE(report) << report.error().what();
    EXPECT_EQ(std::vector<std::string>{*stray}, report->removed_policies);
    EXPECT_FALSE(std::filesystem::exists(*stray));
    EXPECT_FALSE(std::filesystem::exists(temp));
    EXPECT_TRUE(std::filesystem::exists(*fresh));
    EXPECT_TRUE(std::filesystem::exists(*used));
    EXPECT_TRUE(std::filesystem::exists(foreign));
}

TEST_F(Gc, is_due_once_per_interval_and_only_when_the_store_exists) {
    EXPECT_FALSE(gc_due(settings_.store, realtime_ns(), 0));  // nothing stored yet: nothing to do
    ASSERT_TRUE(store_policy(settings_.store, "{\"d\":1}"));
    const std::int64_t minute = 60LL * 1000000000LL;
    EXPECT_TRUE(gc_due(settings_.store, realtime_ns(), minute));
    EXPECT_FALSE(gc_due(settings_.store, realtime_ns(), minute));
    EXPECT_TRUE(gc_due(settings_.store, realtime_ns() + 2 * minute, minute));
    EXPECT_TRUE(gc_due(settings_.store, realtime_ns(), 0));
}

TEST(ProcessStartTime, reads_this_process_and_not_a_missing_one) {
    EXPECT_TRUE(process_start_time(::getpid()));
    EXPECT_FALSE(process_start_time(0));
    EXPECT_FALSE(process_start_time(-1));
}

// The store's files are swapped into place: an existing record is replaced whole, nothing else
// is left in the directory, and a file that was not there is created.
TEST_F(OciTest, a_volatile_file_is_created_and_replaced_whole) {
    const auto path = root_ / "record.json";
    ASSERT_TRUE(replace_volatile_file(path.string(), "first\n", 0644));
    EXPECT_EQ("first\n", read_text(path));
    ASSERT_TRUE(replace_volatile_file(path.string(), "second, longer\n", 0644));
    EXPECT_EQ("second, longer\n", read_text(path));
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(root_)) ++entries;
    EXPECT_EQ(2U, entries);  // policies/ and record.json: no temporary left
    struct stat st {};
    ASSERT_EQ(0, ::stat(path.c_str(), &st));
    EXPECT_EQ(0644U, st.st_mode & 07777);
}

// A directory in the way is never swapped away: the write fails as a rename over it would.
TEST_F(OciTest, a_volatile_file_does_not_replace_a_directory) {
    const auto path = root_ / "record.json";
    std::filesystem::create_directory(path);
    EXPECT_FALSE(replace_volatile_file(path.string(), "text", 0644));
    EXPECT_TRUE(std::filesystem::is_directory(path));
}

// Files are read whole whatever their size, pipes past the limit are drained and refused.
TEST_F(OciTest, bounded_reads_take_whole_files_and_refuse_what_is_too_large) {
    const auto path = root_ / "big.json";
    const std::string text(300000, 'x');  // more than one round of reading
    write_text(path, text);
    auto read = read_bounded_file(path.string(), text.size());
    ASSERT_TRUE(read) << read.error().what();
    EXPECT_EQ(text, *read);
    EXPECT_FALSE(read_bounded_file(path.string(), text.size() - 1));

    int fds[2];
    ASSERT_EQ(0, ::pipe(fds));
    const pid_t writer = ::fork();
    if (writer == 0) {
        ::close(fds[0]);
        const std::string chunk(100000, 'y');
        for (int i = 0; i < 3; ++i) (void)!::write(fds[1], chunk.data(), chunk.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    auto piped = read_all(fds[0], 150000, "the pipe");
    ::close(fds[0]);
    int status = 0;
    ::waitpid(writer, &status, 0);
    ASSERT_FALSE(piped);
    EXPECT_EQ("the pipe is larger than 150000 bytes", piped.error().message);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);  // drained: the writer never blocked
}

}  // namespace
}  // namespace llh::test
