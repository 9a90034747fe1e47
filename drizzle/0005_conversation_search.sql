-- Full-text search over the conversation store (FTS5, external content: the text lives once, in conversation_messages).
-- Kept in its own migration: drizzle-kit does not model virtual tables or triggers. No column sizes (columnsize=0):
-- results are ordered by time, not bm25 rank.
--
-- Rows are indexed in batches, not one by one: a write queues the row's key in conversation_search_pending and
-- the gateway moves the queue into the index every moment and before each search (ConversationSearchIndexer).
-- FTS5 writes a new segment per transaction, so indexing each live message in its own transaction cost several
-- pages per message; a batch writes one segment. Edits and deletions keep the index exact either way.
CREATE VIRTUAL TABLE `conversation_search` USING fts5(
	`text`, `file_name`,
	content='conversation_messages', content_rowid='key',
	tokenize='unicode61 remove_diacritics 2', columnsize=0
);
--> statement-breakpoint
CREATE TABLE `conversation_search_pending` (`key` integer PRIMARY KEY NOT NULL);
--> statement-breakpoint
CREATE TRIGGER `conversation_search_insert` AFTER INSERT ON `conversation_messages`
WHEN new.`text` IS NOT NULL OR new.`file_name` IS NOT NULL BEGIN
	INSERT OR IGNORE INTO `conversation_search_pending`(`key`) VALUES (new.`key`);
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_search_delete` AFTER DELETE ON `conversation_messages` BEGIN
	INSERT INTO `conversation_search`(`conversation_search`, rowid, `text`, `file_name`)
		SELECT 'delete', old.`key`, old.`text`, old.`file_name`
		WHERE (old.`text` IS NOT NULL OR old.`file_name` IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM `conversation_search_pending` WHERE `key` = old.`key`);
	DELETE FROM `conversation_search_pending` WHERE `key` = old.`key`;
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_search_update` AFTER UPDATE OF `text`, `file_name` ON `conversation_messages` BEGIN
	INSERT INTO `conversation_search`(`conversation_search`, rowid, `text`, `file_name`)
		SELECT 'delete', old.`key`, old.`text`, old.`file_name`
		WHERE (old.`text` IS NOT NULL OR old.`file_name` IS NOT NULL)
		AND NOT EXISTS (SELECT 1 FROM `conversation_search_pending` WHERE `key` = old.`key`);
	INSERT OR IGNORE INTO `conversation_search_pending`(`key`)
		SELECT new.`key` WHERE new.`text` IS NOT NULL OR new.`file_name` IS NOT NULL;
END;
