import BillingStages

CommandLineTool(
    name: "billing-report",
    summary: "Writes OUTPUT/<period>/report.json and report.md: MRR, subscriptions by status, invoiced and collected."
).main { try ReportStage.run($0.config) }
