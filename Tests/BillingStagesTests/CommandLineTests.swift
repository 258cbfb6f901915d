import BillingCore
import BillingIO
import Testing
@testable import BillingStages

/// SPEC §1: every executable answers --help and exits 0 on success, 1 on invalid data, 2 on bad
/// usage (including an invalid pipeline.json), 3 on an I/O or environment failure.
@Suite struct CommandLineTests {
    static let tools = ["billing-ingest", "billing-rate", "billing-invoice", "billing-pay", "billing-report", "billing-verify", "billing-pipeline"]

    @Test(arguments: tools)
    func helpExitsZero(tool: String) throws {
        let r = try TestSupport.run(tool, ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: \(tool)"))
        #expect(r.stdout.contains("EXIT CODES"))
    }

    @Test(arguments: tools)
    func unknownArgumentIsUsageError(tool: String) throws {
        let r = try TestSupport.run(tool, ["--frobnicate"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("unknown argument: --frobnicate"))
    }

    @Test func missingConfigIsUsageError() throws {
        let r = try TestSupport.run("billing-pipeline", ["--config", "/nonexistent/pipeline.json"])
        #expect(r.status == 2)
        #expect(r.stderr == "/nonexistent/pipeline.json: config file not found\n")
    }

    /// An unknown key in pipeline.json is an error at its value's line (a typo must not silently
    /// change billing), and exits 2.
    @Test func unknownConfigKeyIsUsageErrorWithLine() throws {
        let dir = try TestSupport.workspace { $0 = $0.replacingFirst("\"rounding\": \"half_up\", \"payment", with: "\"roundng\": \"half_up\", \"payment") }
        let r = try TestSupport.run("billing-pipeline", ["--config", dir + "/pipeline.json"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix(dir + "/pipeline.json:12:"))
        #expect(r.stderr.contains(": billing.roundng: unknown key"))
        #expect(!FileSystem.exists(dir + "/ledger"))
    }

    @Test(arguments: [("\"rounding\": \"half_up\"", "\"rounding\": \"nearest\"", "billing.rounding: not an allowed value (nearest)"),
                      ("\"seed\": 42", "\"seed\": \"42\"", "payments.seed: expected a whole number (string)"),
                      ("\"period\": \"2026-11\"", "\"period\": \"2026-13\"", "period: expected YYYY-MM from 0001-01 to 9799-12 (2026-13)")])
    func invalidConfigValues(find: String, replace: String, message: String) throws {
        let dir = try TestSupport.workspace { $0 = $0.replacingFirst(find, with: replace) }
        let r = try TestSupport.run("billing-pipeline", ["--config", dir + "/pipeline.json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func dataErrorExitsOneWithOneLinePerError() throws {
        let dir = try TestSupport.workspace()
        let path = dir + "/dataset/customers.csv"
        try TestSupport.write(path, try TestSupport.read(path).replacingFirst("US,USD", with: "US,XYZ").replacingFirst("NY", with: "ny"))
        let r = try TestSupport.run("billing-ingest", ["--config", dir + "/pipeline.json"])
        #expect(r.status == 1)
        #expect(r.stderr == """
            \(path):2:4: currency: unknown ISO 4217 currency code (XYZ)
            \(path):3:6: region: expected an upper-case subdivision code without the country (WA) (ny)

            """)
    }

    @Test func missingDatasetFolderIsIOError() throws {
        let dir = try TestSupport.workspace { $0 = $0.replacingFirst("\"dataset\": \"dataset\"", with: "\"dataset\": \"nowhere\"") }
        let r = try TestSupport.run("billing-pipeline", ["--config", dir + "/pipeline.json"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("nowhere: dataset folder not found"))
    }

    @Test func laterStageWithoutIngestIsIOError() throws {
        let dir = try TestSupport.workspace()
        let r = try TestSupport.run("billing-rate", ["--config", dir + "/pipeline.json"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("run billing-ingest first"))
    }

    /// Invoicing after ingest but before rating names the missing items file, and the ledger
    /// gets no file.
    @Test func invoiceWithoutRateIsIOError() throws {
        let dir = try TestSupport.workspace()
        #expect(try TestSupport.run("billing-ingest", ["--config", dir + "/pipeline.json"]).status == 0)
        let r = try TestSupport.run("billing-invoice", ["--config", dir + "/pipeline.json"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("out/2026-11/items.csv: no rated items for 2026-11; run billing-rate first"), "\(r.stderr)")
        #expect(!FileSystem.exists(dir + "/ledger/invoices"))
    }

    /// A second run on the same ledger refuses while the first holds the lock.
    @Test func secondRunOnTheSameLedgerRefuses() throws {
        let dir = try TestSupport.workspace()
        try TestSupport.runPipeline(dir, periods: ["2026-11"])
        let held = try LedgerLock(folder: dir + "/ledger")
        let r = try TestSupport.run("billing-invoice", ["--config", dir + "/pipeline.json"])
        #expect(r.status == 3)
        #expect(r.stderr.contains("the ledger is in use by another run"))
        _ = held
    }

    /// `--period` overrides the config's period.
    @Test func periodOverride() throws {
        let dir = try TestSupport.workspace()
        // The sample's bank transfer names an invoice number that only a ledger started in November has.
        try FileSystem.remove(dir + "/dataset/payments_received.csv")
        #expect(try TestSupport.run("billing-pipeline", ["--config", dir + "/pipeline.json", "--period", "2026-12"]).status == 0)
        #expect(FileSystem.exists(dir + "/out/2026-12/report.md"))
        #expect(!FileSystem.exists(dir + "/out/2026-11"))
    }
}
