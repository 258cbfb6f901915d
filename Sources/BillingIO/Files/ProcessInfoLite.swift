#if canImport(Glibc)
    import Glibc
#endif

/// Facts about the machine the toolchain's Foundation would give, without Foundation.
public enum ProcessInfoLite {
    /// The number of online processors: how many workers the parallel parts use.
    public static let processors: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
