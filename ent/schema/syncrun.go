package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// SyncRun is one run of the catalog sync, with its progress and counts.
type SyncRun struct {
	ent.Schema
}

// Fields of the SyncRun.
func (SyncRun) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Enum("kind").
			Values("sync", "cleanup").
			Default("sync"),
		field.Enum("trigger").
			Values("manual", "scheduled").
			Default("manual"),
		field.Enum("status").
			Values("queued", "running", "succeeded", "failed", "skipped").
			Default("queued"),
		field.Time("created_at").
			Immutable().
			Default(time.Now),
		field.Time("started_at").
			Optional().
			Nillable(),
		field.Time("finished_at").
			Optional().
			Nillable(),
		// Total is the number of products to process, known after reading
		// the catalog; Processed counts those done so far.
		field.Int("total").
			Default(0),
		field.Int("processed").
			Default(0),
		field.Int("created").
			Default(0),
		field.Int("updated").
			Default(0),
		field.Int("hidden").
			Default(0),
		field.Int("removed").
			Default(0),
		field.Int("unchanged").
			Default(0),
		field.Int("failed").
			Default(0),
		// Message is the Russian summary shown in the history.
		field.String("message").
			Optional().
			MaxLen(1000),
		// Failures lists per-item errors: product id, name and a Russian message.
		field.JSON("failures", []SyncFailure{}).
			Optional(),
	}
}

// SyncFailure is one product that could not be written to VK.
type SyncFailure struct {
	ProductID string `json:"product_id"`
	Name      string `json:"name"`
	Message   string `json:"message"`
	// ContentHash is the hash of content VK rejected for what it contains
	// (a link, an invalid field, a photo); the next run does not send the
	// same content again. Empty for failures worth retrying as they are.
	ContentHash string `json:"content_hash,omitempty"`
}

// Indexes of the SyncRun.
func (SyncRun) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "created_at"),
	}
}
