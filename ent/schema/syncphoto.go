package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SyncPhoto remembers a picture already uploaded to a community's Market,
// keyed by its content hash, so each distinct picture is uploaded once.
type SyncPhoto struct {
	ent.Schema
}

// Mixin of the SyncPhoto.
func (SyncPhoto) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the SyncPhoto.
func (SyncPhoto) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("vk_group_id"),
		field.String("content_hash"),
		field.Int64("vk_photo_id"),
	}
}

// Indexes of the SyncPhoto.
func (SyncPhoto) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("vk_group_id", "content_hash").
			Unique(),
	}
}
