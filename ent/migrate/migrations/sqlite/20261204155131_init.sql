-- Create "connections" table
CREATE TABLE `connections` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `access_token` blob NOT NULL, `refresh_token` blob NULL, `token_expires_at` datetime NULL, `account_id` text NOT NULL, `first_name` text NULL, `last_name` text NULL, `store_names` json NULL, `is_online` bool NULL, `last_checked_at` datetime NULL, `offline_reason` text NULL, `last_error_code` text NULL, `last_error` text NULL, `connected_at` datetime NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `connections_users_connections` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "connection_user_id_provider" to table: "connections"
CREATE UNIQUE INDEX `connection_user_id_provider` ON `connections` (`user_id`, `provider`);
-- Create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `password_hash` text NOT NULL);
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
