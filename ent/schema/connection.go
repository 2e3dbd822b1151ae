package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Connection is one user's authorised link to one provider (VK or Evotor).
// Provider-specific details share one shape so the dashboard and the health
// checker treat every provider alike.
type Connection struct {
	ent.Schema
}

// Mixin of the Connection.
func (Connection) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the Connection.
func (Connection) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Enum("provider").
			Values("vk", "evotor"),
		// Tokens are sealed with AES-256-GCM; the database never holds a
		// usable token.
		field.Bytes("access_token").
			Sensitive(),
		field.Bytes("refresh_token").
			Optional().
			Sensitive(),
		// TokenExpiresAt is nil for tokens that do not expire.
		field.Time("token_expires_at").
			Optional().
			Nillable(),
		// AccountID is the provider's id of the account: the VK user id or
		// the Evotor user id.
		field.String("account_id"),
		field.String("first_name").
			Optional(),
		field.String("last_name").
			Optional(),
		field.Strings("store_names").
			Optional(),
		// IsOnline is nil until a check gives a conclusive verdict.
		field.Bool("is_online").
			Optional().
			Nillable(),
		field.Time("last_checked_at").
			Optional().
			Nillable(),
		// OfflineReason is a code from internal/connstatus, set while the
		// connection is offline.
		field.String("offline_reason").
			Optional(),
		// LastErrorCode and LastError describe the last inconclusive check;
		// both are empty after a conclusive one.
		field.String("last_error_code").
			Optional(),
		field.String("last_error").
			Optional().
			MaxLen(500),
		field.Time("connected_at").
			Default(time.Now),
	}
}

// Edges of the Connection.
func (Connection) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).
			Ref("connections").
			Field("user_id").
			Unique().
			Required(),
	}
}

// Indexes of the Connection.
func (Connection) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "provider").
			Unique(),
	}
}
