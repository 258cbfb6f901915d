import BillingCore
import BillingIO

extension Benchmark {
    /// The ledger and output folders of the one-process run, beside the stages' `ledger` and `out`.
    static let wholeFolders = (ledger: "ledger-one", output: "out-one")

    /// Runs the whole pipeline as a billing engineer does, `billing-pipeline` in one process, on a
    /// new ledger and output folder of its own (`wholeFolders`), with the stages' phase timings in
    /// `billing-pipeline.log`. Nil, with the reason on stderr, when the disk has not `needed`
    /// bytes free for a second ledger: the stages' runs above measure each stage in its own process.
    static func runWhole(dir: String, bin: String, needed: Int) throws -> Subprocess.Result? {
        if let free = FileSystem.freeBytes(dir), free < needed {
            Console.error("bench: billing-pipeline skipped: a second ledger needs \(needed >> 20) MiB, \(free >> 20) MiB free")
            return nil
        }
        let config = try configuration(dir: dir, named: "pipeline-one.json", folders: wholeFolders)
        let log = dir + "/billing-pipeline.log"
        let r = try Subprocess.run(bin + "/billing-pipeline", ["--config", config], environment: ["BILLING_TIMINGS": "1"], stderr: log)
        guard r.status == 0, !r.signaled else { throw StageFailure.io("billing-pipeline failed with \(r.status); see \(log)") }
        return r
    }

    /// Writes `dir/name`: the dataset's `pipeline.json` with its ledger and output folders
    /// replaced by `folders` (relative to `dir`, as the dataset's are), for a run that must not
    /// touch the stages' `ledger` and `out`. Returns its path.
    static func configuration(dir: String, named name: String, folders: (ledger: String, output: String)) throws -> String {
        let source = dir + "/pipeline.json"
        guard case .object(var pairs) = try JSONParser.parse(try FileSystem.read(source), file: source).value else {
            throw StageFailure.io("\(source): not a JSON object")
        }
        pairs.removeAll { $0.key == "ledger" || $0.key == "output" }
        pairs.append((key: "ledger", node: .string(folders.ledger)))
        pairs.append((key: "output", node: .string(folders.output)))
        let config = dir + "/" + name
        try FileSystem.replace(config, JSONWriter.prettyBytes(JSONNode(.object(pairs))))
        return config
    }
}
