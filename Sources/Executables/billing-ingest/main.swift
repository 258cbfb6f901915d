import BillingStages

CommandLineTool(
    name: "billing-ingest",
    summary: "Validates the dataset folder and writes its normalised copy, rejects.csv and summary.json to OUTPUT/<period>/."
).main { try IngestStage.run($0.config) }
