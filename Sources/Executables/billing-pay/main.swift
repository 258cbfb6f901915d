import BillingStages

CommandLineTool(
    name: "billing-pay",
    summary: "Runs the payment attempts due in the period (each once), applies payments_received.csv, and records statuses."
).main { try PayStage.run($0.config) }
