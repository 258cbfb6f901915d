import BillingStages

#if FUZZING
    /// libFuzzer's driver, called from the entry point SwiftPM links (`main` → `billing_fuzz_main`).
    /// Declared here because the toolchain ships no header for it; pointer and Int32 arguments pass
    /// the same way under the Swift and C conventions on the platforms this runs on.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    @_cdecl("billing_fuzz_main")
    func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        var count = argc
        var vector = argv
        return LLVMFuzzerRunDriver(&count, &vector) { data, size in
            FuzzTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        }
    }
#else
    /// Without libFuzzer this executable only says how to run it.
    @main struct FuzzHelp {
        static func main() {
            print("billing-fuzz: run `make fuzz SECONDS=N`, which builds this target with libFuzzer and AddressSanitizer.")
        }
    }
#endif
