package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// User is a shop owner with an EvoSync account.
type User struct {
	ent.Schema
}

// Mixin of the User.
func (User) Mixin() []ent.Mixin {
	return []ent.Mixin{TimeMixin{}}
}

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		// Email is stored lower-case, so uniqueness ignores case.
		field.String("email").
			MaxLen(254).
			NotEmpty().
			Unique(),
		// PasswordHash is a bcrypt hash.
		field.String("password_hash").
			Sensitive(),
	}
}

// Edges of the User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("connections", Connection.Type),
	}
}
