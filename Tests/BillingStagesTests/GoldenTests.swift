import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// Every sample, run as its `runs` file says, reproduces `samples/<name>/expected/` byte for byte:
/// the whole ledger and each run's items, rejects and reports. (`make golden` rewrites them.)
@Suite struct GoldenTests {
    @Test(arguments: ["basic", "lifecycle", "dunning", "japan", "japan-inclusive", "eu", "us"])
    func matchesGoldenFiles(sample: String) throws {
        let dir = try TestSupport.runSample(sample)
        let expected = TestSupport.root + "/samples/\(sample)/expected"
        let ledger = try TestSupport.snapshot(dir + "/ledger")
        let golden = try TestSupport.snapshot(expected + "/ledger")
        #expect(Set(ledger.keys).symmetricDifference(golden.keys).isEmpty, "files added or missing: \(Set(ledger.keys).symmetricDifference(golden.keys).sorted())")
        for (name, bytes) in golden.sorted(by: { $0.key < $1.key }) {
            let same = ledger[name] == bytes
            #expect(same, "ledger/\(name) differs from the golden file")
        }
        for run in try TestSupport.runs(sample) {
            let names = try TestSupport.runOutputs("\(expected)/out/\(run.period)")
            #expect(try TestSupport.runOutputs("\(dir)/out/\(run.period)") == names, "out/\(run.period): files added or missing")
            for name in names {
                let same = try FileSystem.read("\(dir)/out/\(run.period)/\(name)") == (try FileSystem.read("\(expected)/out/\(run.period)/\(name)"))
                #expect(same, "out/\(run.period)/\(name) differs from the golden file")
            }
        }
    }
}
