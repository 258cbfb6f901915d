#if canImport(Glibc)
    import Glibc
#endif

/// Phase timings on stderr for profiling a stage, only with `BILLING_TIMINGS=1` in the
/// environment: wall-clock time never reaches an output file. Each phase also prints the process's
/// peak resident memory so far, to tell which phase sets the stage's peak.
public enum PhaseClock {
    static let enabled = getenv("BILLING_TIMINGS").map { String(cString: $0) == "1" } ?? false
    nonisolated(unsafe) static var last = now()

    /// Milliseconds on the monotonic clock (for timings only, never for an output).
    public static func now() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1000 + t.tv_nsec / 1_000_000
    }

    /// Starts timing from now (the first phase's start).
    public static func start() { last = now() }

    /// Prints `note` (a fact about the phase just timed, such as how its work was split).
    public static func note(_ note: @autoclosure () -> String) {
        guard enabled else { return }
        Console.error("note: \(note())")
    }

    /// Prints the milliseconds since the previous mark (or the first use) under `phase`.
    public static func mark(_ phase: String) {
        guard enabled else { return }
        let n = now()
        Console.error("timing: \(phase) \(n - last) ms")
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        Console.error("peak: \(phase) \(usage.ru_maxrss / 1024) MiB (resident now \(residentMiB()) MiB)")
        last = n
    }

    /// The process's resident memory now, in MiB (from `/proc/self/statm`; 0 where it is not).
    public static func residentMiB() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var text = [UInt8](repeating: 0, count: 128)
        let n = text.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        // "size resident shared ..." in pages.
        let fields = text[..<max(0, n)].split(separator: 0x20)
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return (pages * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }
}
