import BillingStages

CommandLineTool(
    name: "billing-verify",
    summary: "Checks the ledger: the audit hash chain, every invoice file against its recorded SHA-256, and the register.",
    flags: [("--events", "also check every event's HMAC-SHA256 signature with BILLING_EVENTS_SECRET")]
).main { try VerifyStage.run($0.config, checkEvents: $0.flags.contains("--events")) }
