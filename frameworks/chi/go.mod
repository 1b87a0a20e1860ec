module github.com/wixauth/wixauth/frameworks/chi

go 1.25.0

replace github.com/wixauth/wixauth => ../..

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/wixauth/wixauth v0.0.0-00010101000000-000000000000
)

require (
	github.com/alexedwards/scs/v2 v2.9.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
)
