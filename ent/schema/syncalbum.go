package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SyncAlbum maps an Evotor product group to the VK Market album EvoSync
// created for it.
type SyncAlbum struct {
	ent.Schema
}

// Mixin of the SyncAlbum.
func (SyncAlbum) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the SyncAlbum.
func (SyncAlbum) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Int64("vk_group_id"),
		field.String("evotor_group_id"),
		field.Int64("vk_album_id"),
		field.String("title").
			Optional(),
	}
}

// Indexes of the SyncAlbum.
func (SyncAlbum) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "vk_group_id", "evotor_group_id").
			Unique(),
	}
}
