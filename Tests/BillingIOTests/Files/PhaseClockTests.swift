import Testing
@testable import BillingIO

#if canImport(Glibc)
    import Glibc
#endif

struct PhaseClockTests {
    /// The resident memory it reads is in MiB: at least the 64 MiB this test holds touched, and
    /// at most the process's peak (`getrusage`, in KiB), which the present can never pass.
    @Test func residentMemoryIsInMiBBetweenWhatIsHeldAndThePeak() {
        let size = 64 << 20
        let held = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { held.deallocate() }
        for page in stride(from: 0, to: size, by: 4096) { held.storeBytes(of: 1, toByteOffset: page, as: UInt8.self) }
        let resident = PhaseClock.residentMiB()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #expect(resident >= 64)
        #expect(resident <= usage.ru_maxrss / 1024 + 1)
    }
}
