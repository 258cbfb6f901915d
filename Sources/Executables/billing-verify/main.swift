import BillingStages

CommandLineTool(
    name: "billing-verify",
    summary: "Checks the ledger: the audit hash chain, every invoice file against its recorded SHA-256, and the register."
).main { try VerifyStage.run($0.config) }
