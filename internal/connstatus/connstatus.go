// Package connstatus holds the connection status rules: how a stored
// connection maps to a status, the verdict a check returns, and the
// Russian texts the dashboard shows for each reason.
package connstatus

import (
	"time"

	"github.com/evosync/evosync/ent"
)

// Status is what the dashboard shows for one provider.
type Status string

const (
	// Disconnected means there is no connection row.
	Disconnected Status = "disconnected"
	// Online means the provider accepted the token at the last conclusive check.
	Online Status = "online"
	// Offline means the provider rejected the token.
	Offline Status = "offline"
	// Unknown means no check has been conclusive yet.
	Unknown Status = "unknown"
)

// Of returns the status of a connection; nil means disconnected.
func Of(c *ent.Connection) Status {
	if c == nil {
		return Disconnected
	}
	return OfStored(c.IsOnline)
}

// OfStored returns the status of an existing connection from its stored
// is_online value, for callers that read the column without the row.
func OfStored(isOnline *bool) Status {
	switch {
	case isOnline == nil:
		return Unknown
	case *isOnline:
		return Online
	default:
		return Offline
	}
}

// Kind is the outcome class of one check.
type Kind int

const (
	// Inconclusive checks leave the status as it was.
	Inconclusive Kind = iota
	// Accepted means the provider accepted the token.
	Accepted
	// Rejected means the provider conclusively rejected the token.
	Rejected
)

// Verdict is the result of checking one token.
type Verdict struct {
	Kind Kind
	// Reason is an offline reason code, set when Kind is Rejected.
	Reason string
	// ErrorCode classifies an inconclusive check.
	ErrorCode string
	// Detail is the technical description for the log and last_error; it
	// never contains a token.
	Detail string
	// RetryAfter, when positive, says the same check may succeed after
	// waiting this long (rate limiting).
	RetryAfter time.Duration
}

// Accept makes a verdict that takes the connection online.
func Accept() Verdict { return Verdict{Kind: Accepted} }

// Reject makes a verdict that takes the connection offline.
func Reject(reason, detail string) Verdict {
	return Verdict{Kind: Rejected, Reason: reason, Detail: detail}
}

// Fail makes an inconclusive verdict.
func Fail(code, detail string) Verdict {
	return Verdict{Kind: Inconclusive, ErrorCode: code, Detail: detail}
}
