import BillingStages

CommandLineTool(
    name: "billing-pipeline",
    summary: "Runs the stages listed in pipeline.json (ingest, rate, invoice, pay, report) in order; stops at the first failure."
).main { try Pipeline.run($0.config) }
