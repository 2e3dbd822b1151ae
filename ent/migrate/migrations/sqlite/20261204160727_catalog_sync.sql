-- Create "sync_albums" table
CREATE TABLE `sync_albums` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` integer NOT NULL, `vk_group_id` integer NOT NULL, `evotor_group_id` text NOT NULL, `vk_album_id` integer NOT NULL, `title` text NULL);
-- Create index "syncalbum_user_id_vk_group_id_evotor_group_id" to table: "sync_albums"
CREATE UNIQUE INDEX `syncalbum_user_id_vk_group_id_evotor_group_id` ON `sync_albums` (`user_id`, `vk_group_id`, `evotor_group_id`);
-- Create "sync_items" table
CREATE TABLE `sync_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` integer NOT NULL, `vk_group_id` integer NOT NULL, `evotor_product_id` text NOT NULL, `vk_item_id` integer NOT NULL, `content_hash` text NOT NULL, `photo_hash` text NULL, `album_group_id` text NULL, `hidden` bool NOT NULL DEFAULT (false), `name` text NULL);
-- Create index "syncitem_user_id_vk_group_id_evotor_product_id" to table: "sync_items"
CREATE UNIQUE INDEX `syncitem_user_id_vk_group_id_evotor_product_id` ON `sync_items` (`user_id`, `vk_group_id`, `evotor_product_id`);
-- Create "sync_photos" table
CREATE TABLE `sync_photos` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `vk_group_id` integer NOT NULL, `content_hash` text NOT NULL, `vk_photo_id` integer NOT NULL);
-- Create index "syncphoto_vk_group_id_content_hash" to table: "sync_photos"
CREATE UNIQUE INDEX `syncphoto_vk_group_id_content_hash` ON `sync_photos` (`vk_group_id`, `content_hash`);
-- Create "sync_runs" table
CREATE TABLE `sync_runs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `user_id` integer NOT NULL, `kind` text NOT NULL DEFAULT ('sync'), `trigger` text NOT NULL DEFAULT ('manual'), `status` text NOT NULL DEFAULT ('queued'), `created_at` datetime NOT NULL, `started_at` datetime NULL, `finished_at` datetime NULL, `total` integer NOT NULL DEFAULT (0), `processed` integer NOT NULL DEFAULT (0), `created` integer NOT NULL DEFAULT (0), `updated` integer NOT NULL DEFAULT (0), `hidden` integer NOT NULL DEFAULT (0), `removed` integer NOT NULL DEFAULT (0), `unchanged` integer NOT NULL DEFAULT (0), `failed` integer NOT NULL DEFAULT (0), `message` text NULL, `failures` json NULL);
-- Create index "syncrun_user_id_created_at" to table: "sync_runs"
CREATE INDEX `syncrun_user_id_created_at` ON `sync_runs` (`user_id`, `created_at`);
-- Create "sync_settings" table
CREATE TABLE `sync_settings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` integer NOT NULL, `evotor_store_id` text NULL, `evotor_store_name` text NULL, `vk_group_id` integer NULL, `vk_group_name` text NULL, `vk_category_id` integer NULL, `product_group_ids` json NULL, `schedule_enabled` bool NOT NULL DEFAULT (false));
-- Create index "sync_settings_user_id_key" to table: "sync_settings"
CREATE UNIQUE INDEX `sync_settings_user_id_key` ON `sync_settings` (`user_id`);
