-- Full-text search over the conversation store (FTS5, external content: the text lives once, in conversation_messages).
-- Kept in its own migration: drizzle-kit does not model virtual tables or triggers.
CREATE VIRTUAL TABLE `conversation_search` USING fts5(
	`text`, `file_name`,
	content='conversation_messages', content_rowid='key',
	tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `conversation_search_insert` AFTER INSERT ON `conversation_messages`
WHEN new.`text` IS NOT NULL OR new.`file_name` IS NOT NULL BEGIN
	INSERT INTO `conversation_search`(rowid, `text`, `file_name`) VALUES (new.`key`, new.`text`, new.`file_name`);
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_search_delete` AFTER DELETE ON `conversation_messages`
WHEN old.`text` IS NOT NULL OR old.`file_name` IS NOT NULL BEGIN
	INSERT INTO `conversation_search`(`conversation_search`, rowid, `text`, `file_name`) VALUES ('delete', old.`key`, old.`text`, old.`file_name`);
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_search_update` AFTER UPDATE OF `text`, `file_name` ON `conversation_messages` BEGIN
	INSERT INTO `conversation_search`(`conversation_search`, rowid, `text`, `file_name`)
		SELECT 'delete', old.`key`, old.`text`, old.`file_name` WHERE old.`text` IS NOT NULL OR old.`file_name` IS NOT NULL;
	INSERT INTO `conversation_search`(rowid, `text`, `file_name`)
		SELECT new.`key`, new.`text`, new.`file_name` WHERE new.`text` IS NOT NULL OR new.`file_name` IS NOT NULL;
END;
