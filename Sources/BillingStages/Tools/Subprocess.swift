import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a program and waits for it: its exit status, wall time, CPU time and peak memory (from
/// `wait4`).
/// Used by the benchmark and by the tests that run the executables.
public struct Subprocess {
    public struct Result {
        /// The exit code, or the signal number when `signaled`.
        public var status: Int32
        public var signaled: Bool
        /// Wall-clock seconds × 1000.
        public var milliseconds: Int
        /// Peak resident set size in KiB.
        public var peakKiB: Int
        /// CPU time in user mode and in the kernel, milliseconds (every thread's).
        public var userMilliseconds = 0
        public var systemMilliseconds = 0
    }

    /// Runs `path` with `arguments`; `environment` is added to PATH; stdout and stderr go to the
    /// given files, or stay the caller's when nil.
    public static func run(
        _ path: String, _ arguments: [String], environment: [String: String] = [:], stdout: String? = nil, stderr: String? = nil
    ) throws -> Result {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdout { posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        var env: [String] = []
        if let p = getenv("PATH") { env.append("PATH=" + String(cString: p)) }
        env += environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        let start = PhaseClock.now()
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else { throw StageFailure.io("cannot run \(path): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let ms = PhaseClock.now() - start
        let signaled = (status & 0x7f) != 0
        func milliseconds(_ t: timeval) -> Int { t.tv_sec * 1000 + t.tv_usec / 1000 }
        return Result(
            status: signaled ? status & 0x7f : (status >> 8) & 0xff, signaled: signaled, milliseconds: ms, peakKiB: usage.ru_maxrss,
            userMilliseconds: milliseconds(usage.ru_utime), systemMilliseconds: milliseconds(usage.ru_stime))
    }
}
