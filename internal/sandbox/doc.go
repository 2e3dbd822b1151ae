// Package sandbox is an in-memory HTTP stand-in for VK's and Evotor's OAuth
// servers and APIs, for local runs and tests where the real providers cannot
// be reached. State lives in memory and is lost when the process ends.
//
// Handler serves these routes at the root. The product's base URLs are
// <root>/vk/oauth, <root>/vk/method, <root>/evotor and <root>/evotor/api.
//
//	GET  /vk/oauth/authorize         VK consent page (code flow only)
//	POST /vk/oauth/authorize         consent decision, redirects with code or error
//	GET  /vk/oauth/access_token      code exchange, other HTTP methods get 405
//	GET|POST /vk/method/{name}       VK API, always 200 with response or error
//	GET  /evotor/oauth/authorize     Evotor consent page
//	POST /evotor/oauth/authorize     consent decision, redirects with code or error
//	POST /evotor/oauth/token         authorization_code and refresh_token grants
//	GET  /evotor/api/stores          Evotor API v2 store list
//	GET  /                           control page (Russian)
//	GET  /control/state              outages, latency, token counts and call counters as JSON
//
// A consent form posts the authorize parameters back together with
// decision ("allow" or "deny") and the user: user_id, first_name and
// last_name for VK, user_id for Evotor. Tests can post that form directly
// in place of a browser.
//
// VK API methods live in the vkMethods table, to which files of this package
// add entries with registerVKMethod. Evotor API routes wrap their handler in
// Sandbox.evotorAPI, which runs the token, app and Accept checks.
//
// # Control endpoints
//
// The buttons of the control page post forms to the endpoints below. Each
// accepts its fields as a form body or a query string. A browser gets a 303
// redirect to / or a 400 error page. A client that sends
// "Accept: application/json" gets the JSON result shown, or 400 with
// {"error": "..."}.
//
//	POST /control/vk/tokens/mint        user_id (default 424242), first_name, last_name, deactivated
//	                                    → {"access_token", "user_id"}
//	POST /control/vk/tokens/revoke      token → {"revoked": bool}
//	POST /control/vk/users/revoke       user_id → {"revoked": number of tokens}
//	POST /control/vk/users/deactivate   user_id, state ("", "deleted" or "banned") → {"user_id", "deactivated"}
//	POST /control/evotor/tokens/mint    user_id (default 01-000000000000001)
//	                                    → {"access_token", "refresh_token", "user_id"}
//	POST /control/evotor/tokens/revoke  token, access or refresh → {"revoked": bool}
//	POST /control/evotor/users/revoke   user_id → {"revoked": number of grants}
//	POST /control/evotor/users/app      user_id, removed (true or false) → {"user_id", "app_removed"}
//	POST /control/outage                provider ("vk" or "evotor"), outage (an Outage name such as
//	                                    "none", "html502" or "timeout") → {"provider", "outage"}
//	POST /control/latency               latency_ms → {"latency_ms"}
//	POST /control/counts/reset          → {"reset": true}
//
// Tests and benchmarks use the equivalent Go methods, such as MintVKToken,
// SetOutage and CallCount, which are safe for concurrent use.
package sandbox
