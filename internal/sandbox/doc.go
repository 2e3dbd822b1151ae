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
//	GET  /evotor/api/stores/{store}/products                 products, cursor pages
//	GET  /evotor/api/stores/{store}/product-groups           product groups, cursor pages
//	GET  /evotor/api/stores/{store}/products/{id}/images     a product's image list
//	GET  /evotor/api/images/{image}.png                      a product image, 300×300 PNG
//	POST /vk/upload/market/{upload}  Market photo upload, the upload_url of
//	                                 market.getProductPhotoUploadServer: the
//	                                 field file, or file1 to file5 with bulk=1
//	GET  /vk/photos/{photo}.png      thumbnail of a saved Market photo, no token needed
//	GET  /vk/market/{group}          a community's Market page (Russian)
//	GET  /                           control page (Russian)
//	GET  /control/state              outages, latency, token counts and call counters as JSON
//	GET  /control/evotor/stores/{store}   a store's product page (Russian) with the product
//	                                      controls, or its product ids as JSON
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
// # Evotor catalog
//
// Each store gets a catalog on its first use: five product groups and
// Config.CatalogSize products with Russian names, generated from the store
// id so that they are the same on every run. The products cover the cases
// a sync must handle, such as names of 2 and of more than 100 characters
// and prices like 89.9 and 0.5. Some products cannot be sold or have no
// stock, one is a service and one description has a link. About two thirds
// have a 300×300 PNG image, drawn on request.
//
// Lists return Config.EvotorPageSize items per page in a fixed order, with
// paging.next_cursor on every page but the last. An invalid cursor gets a
// 400. The since parameter keeps the items whose updated_at is at or after
// it and accepts milliseconds since the Unix epoch, Evotor's time format
// such as 2018-09-11T16:18:35.397+0000, or RFC 3339. The cursor carries the
// first page's since, so a since sent with a cursor is ignored. Products
// need the product:read scope, groups product-group:read and images
// product-image:read (403 otherwise), and quantity is sent only with
// product.quantity:read. A store of another user gets a 404.
//
// # VK communities and Market
//
// Every VK user that the sandbox stores administers two communities: one
// with Market enabled, whose id is the user id times 10 plus 1, and one
// with Market disabled (plus 2). groups.get returns them. The market
// methods need a token with the market scope whose owner administers the
// community, and return error 15 otherwise. They take owner_id as the
// negative community id (error 100 for a positive one) and return error
// 1438 for the community with Market disabled. Implemented: market.getCategories, market.add,
// market.edit, market.delete, market.get, market.getAlbums,
// market.addAlbum, market.editAlbum, market.deleteAlbum,
// market.addToAlbum, market.removeFromAlbum,
// market.getProductPhotoUploadServer, market.saveProductPhoto,
// market.saveProductPhotoBulk and execute.
// The method comments state the choices the sandbox makes where VK's
// documentation is silent, such as the required price and main_photo_id
// of market.add, market.get listing items hidden with deleted=1 only with
// with_disabled=1, and the error codes of a failed photo upload.
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
//	POST /control/evotor/products/price     store_id, product_id, price (rubles) → {"store_id", "product_id", "price"}
//	POST /control/evotor/products/allow     store_id, product_id, allow_to_sell (true or false)
//	                                        → {"store_id", "product_id", "allow_to_sell"}
//	POST /control/evotor/products/quantity  store_id, product_id, quantity → {"store_id", "product_id", "quantity"}
//	POST /control/evotor/products/rename    store_id, product_id, name → {"store_id", "product_id", "name"}
//	POST /control/evotor/products/remove    store_id, product_id → {"store_id", "product_id", "removed"}
//	POST /control/evotor/products/add       store_id, name, price, quantity, parent_id, description,
//	                                        image (true for a generated image) → {"store_id", "id"}
//
// A form field back with a path on this server, such as the store page,
// replaces / as the redirect target of a browser.
//
// Tests and benchmarks use the equivalent Go methods, such as MintVKToken,
// SetOutage, CallCount, SetProductPrice, VKGroups and MarketItems, which
// are safe for concurrent use. Three have no endpoint: RejectPhoto makes
// the upload servers reject a picture, FailProductImage makes one
// product's Evotor image file respond with 503, and CorruptProductImage
// makes it respond with half of the PNG.
package sandbox
