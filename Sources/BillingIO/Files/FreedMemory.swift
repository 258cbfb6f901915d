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
    private typealias Option = @convention(c) (Int32, Int32) -> Int32

    /// Returns free heap pages to the kernel; does nothing where `malloc_trim` is not found.
    public static func release() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Has glibc map every block of at least `bytes` on its own, and unmap it when it is freed,
    /// from now on; does nothing where `mallopt` is not found.
    ///
    /// glibc starts by mapping blocks of 128 KiB and more, and raises that bar (up to 32 MiB) each
    /// time such a block is freed, so that later large blocks come from the heap. Within one stage
    /// that saves mapping the same tables again and again (ingest's pass 2 takes its tables for
    /// each of 256 partitions). Across the stages of `billing-pipeline`, once ingest has raised it,
    /// later stages' large arrays come from the heap, where what they free stays resident until
    /// the stage ends: the process's peak grew with the events ingest had read (decision 53).
    public static func mapLargeBlocks(atLeast bytes: Int32) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD in <malloc.h>
        _ = unsafeBitCast(symbol, to: Option.self)(mmapThreshold, bytes)
    }
}
