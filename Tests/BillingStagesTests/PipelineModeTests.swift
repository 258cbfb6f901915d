import BillingCore
@testable import BillingIO
import Testing
@testable import BillingStages

/// `billing-pipeline` hands the stages the catalog an earlier stage of the same process read
/// (`CatalogCache`), and its invoice stage the items its rate stage wrote (`RatedItemsCache`);
/// each executable run alone reads them from the files. Both ways must write the
/// same bytes: every sample's runs, stage by stage with no cache, against `Pipeline.run`, the
/// whole work folder (ledger and outputs) compared file by file.
@Suite struct PipelineModeTests {
    @Test(arguments: ["basic", "dunning", "eu", "japan", "japan-inclusive", "lifecycle", "us"])
    func stagesAloneWriteWhatThePipelineWrites(sample: String) throws {
        let piped = try TestSupport.runSample(sample)
        let alone = TestSupport.tempFolder()
        let template = try TestSupport.read(TestSupport.root + "/samples/\(sample)/pipeline.json")
        for run in try TestSupport.runs(sample) {
            try TestSupport.write(alone + "/pipeline.json", template.replacingFirst("\"dataset\": \".\"", with: "\"dataset\": \"\(run.folder)\""))
            let config = try TestSupport.config(alone, period: run.period)
            for stage in config.stages { try Pipeline.runStage(stage, config) }
        }
        let expected = try TestSupport.snapshot(piped)
        #expect(expected.keys.contains { $0.hasSuffix("/items.csv") })
        #expect(try TestSupport.snapshot(alone) == expected)
        // The stages again with the pipeline's caches given by hand: the invoice stage of every
        // run takes rate's items from the cache (they are not parsed), and writes the same bytes.
        let cached = TestSupport.tempFolder()
        var runs = 0
        let ratedItems = RatedItemsCache()
        for run in try TestSupport.runs(sample) {
            try TestSupport.write(cached + "/pipeline.json", template.replacingFirst("\"dataset\": \".\"", with: "\"dataset\": \"\(run.folder)\""))
            let config = try TestSupport.config(cached, period: run.period)
            for stage in config.stages { try Pipeline.runStage(stage, config, catalogs: CatalogCache(), ratedItems: ratedItems) }
            runs += 1
        }
        #expect(ratedItems.hits == runs)
        #expect(try TestSupport.snapshot(cached) == expected)
    }

    /// The same with usage: two months of `api_calls` (per unit) on Pro, the second with a late
    /// event, so rate's items hold usage lines and a correction. Both runs read one dataset folder
    /// (its path is in ingest's normalised files).
    @Test func usageStagesAloneWriteWhatThePipelineWrites() throws {
        let charge = ", \"charges\": [{\"metric\": \"api_calls\", \"aggregation\": \"sum\", \"model\": \"per_unit\", \"unit_price\": \"0.0010\"}]}"
        let months = [
            ("2026-11", "e1,S-001,api_calls,2026-11-08T09:00:00Z,1000\ne2,S-001,api_calls,2026-12-03T09:00:00Z,2.50\n"),
            ("2026-12", "e3,S-001,api_calls,2026-11-30T09:00:00Z,7\n"),
        ]
        let shared = try TestSupport.workspace()
        let dataset = shared + "/dataset"
        try TestSupport.write(dataset + "/plans.json", try TestSupport.read(dataset + "/plans.json")
            .replacingFirst("\"price\": \"249.95\"}", with: "\"price\": \"249.95\"" + charge))
        let template = try TestSupport.read(shared + "/pipeline.json").replacingFirst("\"dataset\": \"dataset\"", with: "\"dataset\": \"\(dataset)\"")
        var snapshots: [[String: [UInt8]]] = []
        for piped in [true, false] {
            let dir = TestSupport.tempFolder()
            try TestSupport.write(dir + "/pipeline.json", template)
            for (period, usage) in months {
                try TestSupport.write(dataset + "/usage.csv", "event_id,subscription_id,metric,timestamp,quantity\n" + usage)
                let config = try TestSupport.config(dir, period: period)
                if piped { try Pipeline.run(config) } else { for stage in config.stages { try Pipeline.runStage(stage, config) } }
            }
            snapshots.append(try TestSupport.snapshot(dir))
        }
        #expect(String(decoding: snapshots[0]["out/2026-12/items.csv"] ?? [], as: UTF8.self).contains("api_calls"))
        #expect(snapshots[1] == snapshots[0])
    }
}
