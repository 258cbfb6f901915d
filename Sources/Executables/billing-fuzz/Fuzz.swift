import BillingStages

#if FUZZING
    /// libFuzzer's entry point (`make fuzz` builds this target with -sanitize=fuzzer,address -DFUZZING).
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
        FuzzTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
#else
    /// Without libFuzzer this executable only says how to run it.
    @main struct FuzzHelp {
        static func main() {
            print("billing-fuzz: run `make fuzz SECONDS=N`, which builds this target with libFuzzer and AddressSanitizer.")
        }
    }
#endif
