import BillingStages

CommandLineTool(
    name: "billing-rate",
    summary: "Computes every charge item due up to the end of the period into OUTPUT/<period>/items.csv."
).main { try RateStage.run($0.config) }
