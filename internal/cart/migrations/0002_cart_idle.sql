-- Idle SQL carts are swept by last change (SQLStore.DeleteIdle).
CREATE INDEX carts_idle ON carts (updated_at);
