import BillingCore
import BillingIO
import Testing
@testable import BillingStages

#if canImport(Glibc)
    import Glibc
#endif

/// The crash-safety sweep behind `make faults` (issue #8): for every run of a sample and every
/// durable write k of that run, kill the pipeline (SIGKILL) right after write k, or tear write k
/// (write a prefix, then SIGKILL), run it again, finish the remaining runs, and require the ledger
/// and the outputs to equal the golden files byte for byte: nothing lost, nothing issued twice.
/// `make test` runs the 22-point sample in SampleBasicTests; this sweep is for `make faults`.
/// Whether `make faults` asked for the sweep.
enum FaultSweepSwitch {
    static let on = getenv("BILLING_FAULT_SWEEP") != nil
}

@Suite(.enabled(if: FaultSweepSwitch.on)) struct FaultSweep {
    struct Tally {
        var kills = 0
        var tears = 0
    }

    /// Replays `sample` with the fault in run `faulty`; returns false when the fault never fired
    /// (k is past the run's last write).
    func replay(_ sample: String, faulty: Int, env: [String: String]) throws -> (fired: Bool, dir: String) {
        let dir = TestSupport.tempFolder()
        let template = try TestSupport.read(TestSupport.root + "/samples/\(sample)/pipeline.json")
        var fired = false
        for (i, run) in try TestSupport.runs(sample).enumerated() {
            try TestSupport.write(dir + "/pipeline.json", template.replacingFirst("\"dataset\": \".\"", with: "\"dataset\": \"\(run.folder)\""))
            let args = ["--config", dir + "/pipeline.json", "--period", run.period]
            let first = try TestSupport.run("billing-pipeline", args, env: i == faulty ? env : [:])
            if first.signaled { fired = true }
            if first.signaled || first.status != 0 {
                let again = try TestSupport.run("billing-pipeline", args)
                #expect(again.status == 0, "\(sample) run \(run.period) did not recover: \(again.stderr)")
            }
        }
        return (fired, dir)
    }

    func matchesGolden(_ sample: String, _ dir: String) throws -> Bool {
        let expected = TestSupport.root + "/samples/\(sample)/expected"
        guard try TestSupport.snapshot(dir + "/ledger") == TestSupport.snapshot(expected + "/ledger") else { return false }
        for run in try TestSupport.runs(sample) {
            let names = try TestSupport.runOutputs("\(expected)/out/\(run.period)")
            guard try TestSupport.runOutputs("\(dir)/out/\(run.period)") == names else { return false }
            for name in names {
                guard try FileSystem.read("\(dir)/out/\(run.period)/\(name)") == (try FileSystem.read("\(expected)/out/\(run.period)/\(name)")) else { return false }
            }
        }
        return true
    }

    @Test(arguments: [("basic", 1), ("dunning", 1), ("eu", 1), ("lifecycle", 5)])
    func everyKillPointRecovers(sample: String, step: Int) throws {
        var tally = Tally()
        for faulty in 0..<(try TestSupport.runs(sample).count) {
            var k = 1
            while true {
                let killed = try replay(sample, faulty: faulty, env: ["BILLING_FAULT_KILL_AFTER": String(k)])
                guard killed.fired else { break }
                #expect(try matchesGolden(sample, killed.dir), "\(sample): kill after write \(k) of run \(faulty + 1)")
                tally.kills += 1
                // Tear the same write at a byte offset that varies with k.
                let torn = try replay(sample, faulty: faulty, env: ["BILLING_FAULT_TEAR_AT": "\(k):\(k * 7919 % 977)"])
                if torn.fired {
                    #expect(try matchesGolden(sample, torn.dir), "\(sample): write \(k) of run \(faulty + 1) torn")
                    tally.tears += 1
                }
                _ = try? TestSupport.run("/bin/rm", ["-rf", killed.dir, torn.dir])
                k += step
            }
        }
        print("fault sweep \(sample): \(tally.kills) kill points and \(tally.tears) torn writes, every one recovered to the golden ledger and outputs")
        #expect(tally.kills > 0)
    }
}
