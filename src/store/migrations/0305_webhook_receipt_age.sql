-- Receipts are pruned by age (triggers.receiptRetention): the prune reads them by received_at.
CREATE INDEX webhook_receipts_received_at ON webhook_receipts (received_at);
