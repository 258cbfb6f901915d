#if canImport(Glibc)
    import Glibc
#endif

/// Hands memory that a finished stage freed back to the kernel.
///
/// `billing-pipeline` runs the stages in one process. glibc keeps what a thread freed in that
/// thread's malloc arena, and ingest's and rate's worker threads free hundreds of MiB that the
/// main thread's later stages cannot reuse: without this, the pipeline's peak is the invoice
/// stage's own plus what earlier stages left resident. `malloc_trim` returns the free pages of
/// every arena. Swift's Glibc module does not declare it, so it is looked up by name.
public enum FreedMemory {
    private typealias Trim = @convention(c) (Int) -> Int32

    /// Returns free heap pages to the kernel; does nothing where `malloc_trim` is not found.
    public static func release() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
}
