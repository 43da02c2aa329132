-- The product a provider says was paid for (reseller notifications name it), so a payment for
-- another product than the order's goes to review instead of issuing a license.
ALTER TABLE webhook_inbox ADD sku VARCHAR(64) NULL;
