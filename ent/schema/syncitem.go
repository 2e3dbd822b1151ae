package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SyncItem maps one Evotor product to the VK Market item EvoSync created
// for it. It is written right after each VK write, so a run killed at any
// point and run again creates no duplicates.
type SyncItem struct {
	ent.Schema
}

// Mixin of the SyncItem.
func (SyncItem) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the SyncItem.
func (SyncItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Int64("vk_group_id"),
		field.String("evotor_product_id"),
		field.Int64("vk_item_id"),
		// ContentHash covers every field written to VK; an unchanged hash
		// means no write.
		field.String("content_hash"),
		field.String("photo_hash").
			Optional(),
		field.String("album_group_id").
			Optional(),
		field.Bool("hidden").
			Default(false),
		field.String("name").
			Optional(),
	}
}

// Indexes of the SyncItem.
func (SyncItem) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "vk_group_id", "evotor_product_id").
			Unique(),
	}
}
