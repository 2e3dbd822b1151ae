package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// SyncSettings is a user's choice of what to publish where.
type SyncSettings struct {
	ent.Schema
}

// Mixin of the SyncSettings.
func (SyncSettings) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the SyncSettings.
func (SyncSettings) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id").
			Unique(),
		field.String("evotor_store_id").
			Optional(),
		field.String("evotor_store_name").
			Optional(),
		// VKGroupID is the community id, positive; Market calls use its negative.
		field.Int64("vk_group_id").
			Optional(),
		field.String("vk_group_name").
			Optional(),
		field.Int("vk_category_id").
			Optional(),
		// ProductGroupIDs are the Evotor product groups to publish; empty
		// publishes every product.
		field.Strings("product_group_ids").
			Optional(),
		field.Bool("schedule_enabled").
			Default(false),
	}
}
