import BillingCore
import BillingIO

/// `billing-verify`: checks the ledger's audit chain, document files, registers and usage files;
/// exits 1 and names every problem if anything was tampered with.
public enum VerifyStage {
    public static func run(_ config: PipelineConfig, checkEvents: Bool = false) throws {
        let ledger = try Ledger(folder: config.ledger, create: false)  // under the lock, after any pending commit is applied
        let report = try LedgerVerifier.verify(folder: ledger.folder)
        var problems = report.problems
        var eventCount = 0
        if checkEvents {
            guard let secret = EventFeed.secretFromEnvironment() else {
                throw StageFailure.usage("--events: set \(EventFeed.secretVariable) to the secret the feed was signed with")
            }
            let checked = try EventFeed.verify(path: ledger.path("events.jsonl"), secret: secret)
            problems += checked.problems
            eventCount = checked.events
        }
        if !problems.isEmpty {
            throw StageFailure.data(problems.map {
                DataError(file: ledger.folder, line: 0, column: 0, field: "ledger", problem: $0, value: "tampered")
            })
        }
        print("verify: OK: \(report.entries) audit entries in an unbroken chain, \(report.documents) documents match their recorded SHA-256"
            + (report.usageFiles > 0 ? ", \(report.usageFiles) usage files match their recorded SHA-256" : "")
            + (checkEvents ? ", \(eventCount) events correctly signed" : ""))
    }
}
